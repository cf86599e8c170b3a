// PruneVid.NET — the Cpu backend's vectorised rotations against their plain references.
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;

namespace PruneVid.Kernels.Tests.Rotary;

/// <summary>
/// Lengths straddle the vector width (16 f32, 32 for bf16 weights): below it, one past it, a single element, and sizes large enough to be split across cores.
/// The rotations compute exactly what the references compute and must match them bit for bit.
/// </summary>
public sealed class CpuRotaryTests
{
    private readonly CpuBackend _cpu = new();

    [Theory]
    [InlineData(1, 1, 2)]
    [InlineData(3, 2, 34)]   // 17 pairs: one vector and a tail
    [InlineData(2, 4, 128)]
    [InlineData(5, 3, 66)]
    public void RotaryMatchesTheReferenceBitForBit(int rows, int heads, int headDim)
    {
        float[] x = Numerics.Uniform(rows * heads, rows * heads * headDim);
        float[] cos = Numerics.Uniform(headDim, rows * headDim, -1f, 1f), sin = Numerics.Uniform(headDim + 1, rows * headDim, -1f, 1f);
        float[] expected = (float[])x.Clone();
        Kernels.Rotary.Reference(expected, heads, headDim, cos, sin);
        using Tensor tx = _cpu.FromF32(x, rows, heads * headDim), tc = _cpu.FromF32(cos, rows, headDim), ts = _cpu.FromF32(sin, rows, headDim);
        _cpu.Rotary(tx, heads, headDim, tc, ts);
        Assert.Equal(expected, Download(tx));
    }

    [Theory]
    [InlineData(1, 2, 128, new[] { 16, 24, 24 })]
    [InlineData(3, 3, 34, new[] { 3, 7, 7 })]
    [InlineData(4, 1, 6, new[] { 1, 1, 1 })]
    [InlineData(6, 2, 80, new[] { 20, 0, 20 })]
    public void MRopeMatchesTheReferenceBitForBit(int rows, int heads, int headDim, int[] sections)
    {
        int half = headDim / 2, tableRows = 11;
        float[] x = Numerics.Uniform(rows * heads, rows * heads * headDim);
        float[] cos = Numerics.Uniform(half, tableRows * half, -1f, 1f), sin = Numerics.Uniform(half + 1, tableRows * half, -1f, 1f);
        int[] positions = Enumerable.Range(0, 3 * rows).Select(i => i * 7 % tableRows).ToArray();
        float[] expected = (float[])x.Clone();
        Kernels.MRope.Reference(expected, heads, headDim, positions, cos, sin, sections);
        using Tensor tx = _cpu.FromF32(x, rows, heads * headDim), tp = _cpu.FromI32(positions, 3, rows);
        using Tensor tc = _cpu.FromF32(cos, tableRows, half), ts = _cpu.FromF32(sin, tableRows, half);
        _cpu.MRope(tx, heads, headDim, tp, tc, ts, sections);
        Assert.Equal(expected, Download(tx));
    }

    [Fact]
    public void MRopeRejectsAPositionOutsideTheTable()
    {
        using Tensor x = _cpu.Allocate(DType.F32, 1, 8), positions = _cpu.FromI32([0, 4, 1], 3, 1);
        using Tensor cos = _cpu.Allocate(DType.F32, 4, 4), sin = _cpu.Allocate(DType.F32, 4, 4);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _cpu.MRope(x, 1, 8, positions, cos, sin, [2, 1, 1]));
        Assert.Contains("position 4", e.Message);
    }

    private float[] Download(Tensor t)
    {
        var a = new float[t.Length];
        _cpu.CopyToHost(t, a);
        return a;
    }
}
