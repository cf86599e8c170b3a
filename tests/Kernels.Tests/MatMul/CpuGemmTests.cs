// PruneVid.NET — the Cpu backend's blocked GEMM at the edges of its blocking, against MatMul.Reference.
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;

namespace PruneVid.Kernels.Tests.MatMul;

public sealed class CpuGemmTests
{
    // Rows above the GEMV's limit take the GEMM. M straddles the 8-row tile; N the 4-column packing group, the
    // 32-column panel and the 256-column task; K the 4-deep packing step and the 256-deep slice. N ≤ 256 with many
    // rows splits x's rows across tasks.
    public static TheoryData<int, int, int, bool> Shapes => new()
    {
        { 9, 1, 1, true },      // one column, depth one
        { 11, 3, 3, false },    // a partial tile, a partial packing group, K below the packing step
        { 16, 31, 5, true },    // two full tiles, N one short of a panel
        { 17, 33, 255, false }, // one row into the third tile, K one short of a slice
        { 24, 32, 257, true },  // full tiles, K one past a slice
        { 25, 250, 64, false },
        { 191, 40, 70, true },  // rows split across tasks, the last one partial
        { 193, 257, 33, false },// one column past a task
        { 300, 513, 130, true },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Bf16WeightsMatchTheReference(int m, int n, int k, bool withBias)
    {
        float[] x = Numerics.Uniform(m * 7 + k, m * k);
        ushort[] w = Numerics.UniformBf16(n + 11, n * k, -1f, 1f), b = Numerics.UniformBf16(n + 13, n, -1f, 1f);
        float[] expected = new float[m * n];
        Kernels.MatMul.Reference(x, w, withBias ? b : default, expected, m, n, k);

        using var cpu = new CpuBackend();
        using Tensor y = cpu.FromF32(Enumerable.Repeat(float.NaN, m * n).ToArray(), m, n); // every output must be written
        cpu.MatMul(cpu.FromF32(x, m, k), cpu.FromBf16(w, n, k), withBias ? cpu.FromBf16(b, n) : null, y);
        Numerics.AssertClose(expected, Download(cpu, y), 1e-5f, 2e-5f * MathF.Sqrt(k), $"bf16 M={m} N={n} K={k}");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void F32WeightsMatchTheReference(int m, int n, int k, bool withBias)
    {
        float[] x = Numerics.Uniform(m * 5 + k, m * k), w = Numerics.Uniform(n * 3 + 1, n * k, -1f, 1f), b = Numerics.Uniform(n + 2, n);
        float[] expected = new float[m * n];
        Kernels.MatMul.Reference(x, w, withBias ? b : default, expected, m, n, k);

        using var cpu = new CpuBackend();
        using Tensor y = cpu.FromF32(Enumerable.Repeat(float.NaN, m * n).ToArray(), m, n);
        cpu.MatMul(cpu.FromF32(x, m, k), cpu.FromF32(w, n, k), withBias ? cpu.FromF32(b, n) : null, y);
        Numerics.AssertClose(expected, Download(cpu, y), 1e-5f, 2e-5f * MathF.Sqrt(k), $"f32 M={m} N={n} K={k}");
    }

    [Theory]
    [InlineData(13, 33, 257, true, DType.BF16)]
    [InlineData(13, 33, 257, false, DType.BF16)]
    [InlineData(200, 70, 45, true, DType.F32)]
    [InlineData(40, 300, 300, false, DType.F32)]
    public void AccumulateAddsTheProductAndBiasToY(int m, int n, int k, bool withBias, DType dtype)
    {
        float[] x = Numerics.Uniform(m + 3 * k, m * k), start = Numerics.Uniform(m * n + 1, m * n);
        float[] expected = (float[])start.Clone();
        using var cpu = new CpuBackend();
        Tensor w, b;
        if (dtype == DType.BF16)
        {
            ushort[] w16 = Numerics.UniformBf16(n + 5, n * k, -1f, 1f), b16 = Numerics.UniformBf16(n + 6, n, -1f, 1f);
            Kernels.MatMul.ReferenceAccumulate(x, w16, withBias ? b16 : default, expected, m, n, k);
            (w, b) = (cpu.FromBf16(w16, n, k), cpu.FromBf16(b16, n));
        }
        else
        {
            float[] w32 = Numerics.Uniform(n + 5, n * k, -1f, 1f), b32 = Numerics.Uniform(n + 6, n);
            Kernels.MatMul.ReferenceAccumulate(x, w32, withBias ? b32 : default, expected, m, n, k);
            (w, b) = (cpu.FromF32(w32, n, k), cpu.FromF32(b32, n));
        }
        using Tensor y = cpu.FromF32(start, m, n);
        cpu.MatMulAccumulate(cpu.FromF32(x, m, k), w, withBias ? b : null, y);
        Numerics.AssertClose(expected, Download(cpu, y), 1e-5f, 2e-5f * MathF.Sqrt(k), $"accumulate {dtype} M={m} N={n} K={k} bias={withBias}");
    }

    private static float[] Download(CpuBackend cpu, Tensor t)
    {
        var a = new float[t.Length];
        cpu.CopyToHost(t, a);
        return a;
    }
}
