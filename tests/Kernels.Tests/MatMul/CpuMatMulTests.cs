// PruneVid.NET — the Cpu backend's fast matrix multiply (blocked GEMM and GEMV) against MatMul.Reference.
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;
using PruneVid.Kernels.Tests.Cpu;

namespace PruneVid.Kernels.Tests.MatMul;

public sealed class CpuMatMulTests
{
    // M = 1 and M ≤ 8 take the GEMV, larger M the blocked GEMM. K and N straddle the vector width (16 f32, 32 bf16),
    // the packed panel (32 columns), the K slice (256) and the 8-row tile.
    [Theory]
    [InlineData(1, 7, 5, true)]
    [InlineData(1, 67, 100, false)]
    [InlineData(1, 131, 2048, true)]
    [InlineData(1, 1027, 67, false)]   // big enough to split across cores; N not a multiple of the 4-row group
    [InlineData(1, 514, 2049, true)]   // K one past the vector width
    [InlineData(2, 1030, 95, true)]
    [InlineData(4, 257, 1031, false)]
    [InlineData(3, 64, 33, true)]
    [InlineData(8, 40, 257, false)]
    [InlineData(9, 33, 31, true)]
    [InlineData(17, 95, 300, false)]
    [InlineData(70, 65, 513, true)]
    [InlineData(130, 257, 129, false)]
    public void Bf16WeightsMatchTheReference(int m, int n, int k, bool withBias)
    {
        float[] x = Numerics.Uniform(m * 31 + k, m * k);
        ushort[] w = Numerics.UniformBf16(n + 7, n * k, -1f, 1f), b = Numerics.UniformBf16(n + 9, n, -1f, 1f);
        float[] expected = new float[m * n];
        Kernels.MatMul.Reference(x, w, withBias ? b : default, expected, m, n, k);

        using var cpu = new CpuBackend();
        using Tensor y = cpu.Allocate(DType.F32, m, n);
        cpu.MatMul(cpu.FromF32(x, m, k), cpu.FromBf16(w, n, k), withBias ? cpu.FromBf16(b, n) : null, y);
        Numerics.AssertClose(expected, Download(cpu, y), 1e-5f, 2e-5f * MathF.Sqrt(k), $"bf16 M={m} N={n} K={k}");
    }

    [Theory]
    [InlineData(1, 9, 17, true)]
    [InlineData(5, 48, 70, false)]
    [InlineData(1, 1027, 81, true)]    // split across cores, a partial last group
    [InlineData(3, 301, 530, false)]
    [InlineData(33, 70, 260, true)]
    public void F32WeightsMatchTheReference(int m, int n, int k, bool withBias)
    {
        float[] x = Numerics.Uniform(m + k, m * k), w = Numerics.Uniform(n * 3, n * k, -1f, 1f), b = Numerics.Uniform(n, n);
        float[] expected = new float[m * n];
        Kernels.MatMul.Reference(x, w, withBias ? b : default, expected, m, n, k);

        using var cpu = new CpuBackend();
        using Tensor y = cpu.Allocate(DType.F32, m, n);
        cpu.MatMul(cpu.FromF32(x, m, k), cpu.FromF32(w, n, k), withBias ? cpu.FromF32(b, n) : null, y);
        Numerics.AssertClose(expected, Download(cpu, y), 1e-5f, 2e-5f * MathF.Sqrt(k), $"f32 M={m} N={n} K={k}");
    }

    [Theory]
    [InlineData(DType.BF16)]
    [InlineData(DType.F32)]
    public void DecodeMatmulAllocatesNoPerCallBuffers(DType dtype)
    {
        // The GEMV's even/odd split of x and a widened bf16 bias live in reused per-thread buffers and its parallel
        // loop's body is a struct; what is left per call is the op layer's timer name (56 bytes), whatever the shape.
        using var cpu = new CpuBackend();
        foreach ((int n, int k) in new[] { (1024, 1024), (2048, 4096) })
        {
            using Tensor x = cpu.FromF32(Numerics.Uniform(1, k), 1, k), y = cpu.Allocate(DType.F32, 1, n);
            using Tensor w = dtype == DType.BF16 ? cpu.FromBf16(Numerics.UniformBf16(2, n * k), n, k) : cpu.FromF32(Numerics.Uniform(2, n * k), n, k);
            using Tensor b = dtype == DType.BF16 ? cpu.FromBf16(Numerics.UniformBf16(3, n), n) : cpu.FromF32(Numerics.Uniform(3, n), n);
            cpu.MatMul(x, w, b, y); // warm: first-use buffers and JIT
            long perCall = AllocationBudget.BytesPerCall(() => cpu.MatMul(x, w, b, y));
            Assert.True(perCall < 256, $"{dtype} N={n} K={k}: {perCall} managed bytes per call");
        }
    }

    [Fact]
    public void ViewsIntoALargerTensorAreReadAndWrittenInPlace()
    {
        // x and y are row slices (non-zero offsets); rows around the written slice must stay untouched.
        int m = 12, n = 40, k = 45;
        float[] xAll = Numerics.Uniform(5, (m + 3) * k);
        ushort[] w = Numerics.UniformBf16(6, n * k, -1f, 1f);
        using var cpu = new CpuBackend();
        using Tensor xt = cpu.FromF32(xAll, m + 3, k), yAll = cpu.FromF32(Enumerable.Repeat(7f, (m + 2) * n).ToArray(), m + 2, n);
        cpu.MatMul(cpu.SliceRows(xt, 3, m), cpu.FromBf16(w, n, k), null, cpu.SliceRows(yAll, 1, m));
        float[] expected = new float[m * n];
        Kernels.MatMul.Reference(xAll.AsSpan(3 * k), w, default, expected, m, n, k);
        float[] got = Download(cpu, yAll);
        Assert.All(got[..n], v => Assert.Equal(7f, v));
        Assert.All(got[((m + 1) * n)..], v => Assert.Equal(7f, v));
        Numerics.AssertClose(expected, got.AsSpan(n, m * n), 1e-5f, 1e-4f, "slice");
    }

    private static float[] Download(CpuBackend cpu, Tensor t)
    {
        var a = new float[t.Length];
        cpu.CopyToHost(t, a);
        return a;
    }
}
