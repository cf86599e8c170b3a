// PruneVid.NET — language model tests: the M-RoPE op and its tables.
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;
using PruneVid.Runtime.Model.Text;
using Xunit;

namespace PruneVid.Model.Tests.Text;

/// <summary>The MRope op on the Cpu backend against a double-precision restatement of docs/model.md §4.3.</summary>
public sealed class MRopeOpTests
{
    private static float[] RandomValues(int n, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    [Theory]
    [InlineData(16, 4, new[] { 2, 3, 3 }, 1e6)]
    [InlineData(8, 2, new[] { 1, 2, 1 }, 1e4)]
    [InlineData(128, 2, new[] { 16, 24, 24 }, 1e6)]
    [InlineData(8, 1, new[] { 0, 4, 0 }, 1e4)]
    public void MatchesTheSectionedRotationInDouble(int headDim, int heads, int[] section, double theta)
    {
        const int rows = 5;
        var backend = new CpuBackend();
        int half = headDim / 2;
        // Three different streams per row, some positions large enough that f32 angle rounding matters.
        int[] positions = [0, 7, 300, 41, 5000, /* h */ 3, 7, 301, 2, 9, /* w */ 1, 7, 2999, 60, 17];
        float[] x = RandomValues(rows * heads * headDim, headDim);
        using var table = new RotaryTable(backend, headDim, theta);
        table.EnsureCapacity(positions.Max() + 1);
        using Tensor xt = backend.FromF32(x, rows, heads * headDim);
        using Tensor pt = backend.FromI32(positions, 3, rows);
        backend.MRope(xt, heads, headDim, pt, table.Cos!, table.Sin!, section);
        var actual = new float[x.Length];
        backend.CopyToHost(xt, actual);

        int[] streamOf = new int[half];
        for (int j = 0, s = 0, end = section[0]; j < half; j++)
        {
            while (j >= end) end += section[++s];
            streamOf[j] = s;
        }
        double maxError = 0;
        for (int r = 0; r < rows; r++)
            for (int h = 0; h < heads; h++)
                for (int j = 0; j < half; j++)
                {
                    double inv = 1.0 / Math.Pow(theta, 2.0 * j / headDim);
                    double angle = positions[streamOf[j] * rows + r] * inv;
                    int i = (r * heads + h) * headDim + j;
                    double x1 = x[i], x2 = x[i + half];
                    maxError = Math.Max(maxError, Math.Abs(x1 * Math.Cos(angle) - x2 * Math.Sin(angle) - actual[i]));
                    maxError = Math.Max(maxError, Math.Abs(x2 * Math.Cos(angle) + x1 * Math.Sin(angle) - actual[i + half]));
                }
        // f32 inv_freq/angle rounding at position 5000 moves the angle by ~5000·6e-8 ≈ 3e-4 rad at most.
        Assert.True(maxError < 1e-3, $"max error {maxError}");
    }

    [Fact]
    public void EqualStreamsReduceToPlainRotary()
    {
        const int rows = 4, heads = 3, headDim = 16;
        var backend = new CpuBackend();
        int[] pos = [0, 5, 17, 1000];
        using var table = new RotaryTable(backend, headDim, 1e6);
        table.EnsureCapacity(1001);
        float[] invFreq = RotaryTable.InverseFrequencies(headDim, 1e6);
        var cos = new float[rows * headDim];
        var sin = new float[rows * headDim];
        for (int r = 0; r < rows; r++)
        {
            RotaryTable.Row(invFreq, pos[r], cos.AsSpan(r * headDim, headDim / 2), sin.AsSpan(r * headDim, headDim / 2));
            cos.AsSpan(r * headDim, headDim / 2).CopyTo(cos.AsSpan(r * headDim + headDim / 2));
            sin.AsSpan(r * headDim, headDim / 2).CopyTo(sin.AsSpan(r * headDim + headDim / 2));
        }
        float[] x = RandomValues(rows * heads * headDim, 3);
        using Tensor a = backend.FromF32(x, rows, heads * headDim);
        using Tensor b = backend.FromF32(x, rows, heads * headDim);
        using Tensor p = backend.FromI32([.. pos, .. pos, .. pos], 3, rows);
        backend.MRope(a, heads, headDim, p, table.Cos!, table.Sin!, [2, 3, 3]);
        using Tensor c = backend.FromF32(cos, rows, headDim);
        using Tensor s = backend.FromF32(sin, rows, headDim);
        backend.Rotary(b, heads, headDim, c, s);
        var ra = new float[x.Length];
        var rb = new float[x.Length];
        backend.CopyToHost(a, ra);
        backend.CopyToHost(b, rb);
        Assert.Equal(rb, ra);
    }

    [Fact]
    public void InverseFrequenciesFollowTheF32Formula()
    {
        float[] inv = RotaryTable.InverseFrequencies(128, 1e6);
        Assert.Equal(64, inv.Length);
        Assert.Equal(1f, inv[0]);
        for (int j = 0; j < inv.Length; j++)
            Assert.Equal(1.0 / Math.Pow(1e6, j / 64.0), inv[j], 1e-6 * Math.Max(1e-6, inv[j]) + 1e-12);
    }

    [Fact]
    public void BadSectionsAndPositionsAreRejected()
    {
        var backend = new CpuBackend();
        using var table = new RotaryTable(backend, 8, 1e4);
        table.EnsureCapacity(10);
        using Tensor x = backend.Allocate(DType.F32, 1, 8);
        using Tensor p = backend.FromI32([1, 2, 3], 3, 1);
        var sum = Assert.Throws<ArgumentException>(() => backend.MRope(x, 1, 8, p, table.Cos!, table.Sin!, [1, 1, 1]));
        Assert.Contains("sum", sum.Message);
        using Tensor far = backend.FromI32([1, 2, table.Capacity], 3, 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => backend.MRope(x, 1, 8, far, table.Cos!, table.Sin!, [1, 2, 1]));
    }
}
