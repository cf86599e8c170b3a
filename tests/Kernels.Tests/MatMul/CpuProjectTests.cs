// PruneVid.NET — the Cpu backend's fused projections and accumulating decode GEMV against MatMul's references.
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;
using PruneVid.Kernels.Tests.Cpu;

namespace PruneVid.Kernels.Tests.MatMul;

/// <summary>
/// Project runs the decode rows (M ≤ 8) of all its weights as one GEMV pass; each output must still be what
/// <see cref="MatMul.Reference(ReadOnlySpan{float}, ReadOnlySpan{ushort}, ReadOnlySpan{ushort}, Span{float}, int, int, int)"/>
/// computes for its own weight. N covers 1, values that are not a multiple of the 4-row group, and sizes split into
/// several chunks across the cores; K is not a multiple of the vector width (16 f32, 32 bf16).
/// </summary>
public sealed class CpuProjectTests
{
    private readonly CpuBackend _cpu = new();

    [Theory]
    [InlineData(DType.BF16, "7", 45, true)]
    [InlineData(DType.F32, "7", 45, false)]
    [InlineData(DType.BF16, "1,33", 67, false)]
    [InlineData(DType.F32, "1,33", 67, true)]
    [InlineData(DType.BF16, "130,1,67", 100, true)]
    [InlineData(DType.F32, "130,1,67", 100, false)]
    [InlineData(DType.BF16, "1027,2050", 97, true)]  // many chunks, shared between the cores across both weights
    [InlineData(DType.F32, "1027,2050", 97, true)]
    [InlineData(DType.BF16, "258,34,34", 2049, true)] // q/k/v-like, K one past the vector width
    [InlineData(DType.F32, "258,34,34", 2051, false)]
    public void ProjectMatchesTheReferenceForEachProjection(DType dtype, string widths, int k, bool withBias)
    {
        int[] ns = widths.Split(',').Select(int.Parse).ToArray();
        for (int m = 1; m <= Kernels.MatMul.GemvMaxRows + 1; m++) // the last M takes the blocked GEMM
        {
            float[] x = Numerics.Uniform(m * 7 + k, m * k);
            var projections = new Projection[ns.Length];
            var expected = new float[ns.Length][];
            for (int p = 0; p < ns.Length; p++)
            {
                int n = ns[p], seed = 100 * p + n;
                expected[p] = new float[m * n];
                Tensor w, b;
                if (dtype == DType.BF16)
                {
                    ushort[] wv = Numerics.UniformBf16(seed, n * k, -1f, 1f), bv = Numerics.UniformBf16(seed + 1, n, -1f, 1f);
                    Kernels.MatMul.Reference(x, wv, withBias ? bv : default, expected[p], m, n, k);
                    (w, b) = (_cpu.FromBf16(wv, n, k), _cpu.FromBf16(bv, n));
                }
                else
                {
                    float[] wv = Numerics.Uniform(seed, n * k, -1f, 1f), bv = Numerics.Uniform(seed + 1, n);
                    Kernels.MatMul.Reference(x, wv, withBias ? bv : default, expected[p], m, n, k);
                    (w, b) = (_cpu.FromF32(wv, n, k), _cpu.FromF32(bv, n));
                }
                // Outputs start as garbage: Project overwrites them.
                projections[p] = new Projection(w, withBias ? b : null, _cpu.FromF32(Enumerable.Repeat(9f, m * n).ToArray(), m, n));
            }
            _cpu.Project(_cpu.FromF32(x, m, k), projections);
            for (int p = 0; p < ns.Length; p++)
                Numerics.AssertClose(expected[p], Download(projections[p].Output), 1e-5f, 2e-5f * MathF.Sqrt(k), $"{dtype} projection {p} M={m} N={ns[p]} K={k}");
        }
    }

    [Theory]
    [InlineData(DType.BF16, 1, 45, true)]
    [InlineData(DType.BF16, 1027, 2049, false)]
    [InlineData(DType.F32, 5, 67, true)]
    [InlineData(DType.F32, 1030, 100, false)]
    public void DecodeMatmulAccumulateAddsTheFinishedProduct(DType dtype, int n, int k, bool withBias)
    {
        for (int m = 1; m <= Kernels.MatMul.GemvMaxRows; m++)
        {
            float[] x = Numerics.Uniform(m + k, m * k), y0 = Numerics.Uniform(m * 3 + n, m * n, -50f, 50f);
            float[] expected = (float[])y0.Clone();
            Tensor w, b;
            if (dtype == DType.BF16)
            {
                ushort[] wv = Numerics.UniformBf16(n, n * k, -1f, 1f), bv = Numerics.UniformBf16(n + 1, n, -1f, 1f);
                Kernels.MatMul.ReferenceAccumulate(x, wv, withBias ? bv : default, expected, m, n, k);
                (w, b) = (_cpu.FromBf16(wv, n, k), _cpu.FromBf16(bv, n));
            }
            else
            {
                float[] wv = Numerics.Uniform(n, n * k, -1f, 1f), bv = Numerics.Uniform(n + 1, n);
                Kernels.MatMul.ReferenceAccumulate(x, wv, withBias ? bv : default, expected, m, n, k);
                (w, b) = (_cpu.FromF32(wv, n, k), _cpu.FromF32(bv, n));
            }
            using Tensor tx = _cpu.FromF32(x, m, k), y = _cpu.FromF32(y0, m, n), product = _cpu.Allocate(DType.F32, m, n);
            _cpu.MatMulAccumulate(tx, w, withBias ? b : null, y);
            float[] got = Download(y);
            Numerics.AssertClose(expected, got, 1e-5f, 2e-5f * MathF.Sqrt(k), $"{dtype} accumulate M={m} N={n} K={k}");

            // The residual is added to the finished product (bias included), one rounding, as a separate Add would.
            _cpu.MatMul(tx, w, withBias ? b : null, product);
            float[] separate = Download(product);
            for (int i = 0; i < separate.Length; i++) separate[i] = y0[i] + separate[i];
            Assert.Equal(separate, got);
        }
    }

    [Theory]
    [InlineData(DType.BF16)]
    [InlineData(DType.F32)]
    public void DecodeProjectAllocatesNoPerCallBuffers(DType dtype)
    {
        // The split of x and the widened bf16 biases live in reused per-thread buffers and the parallel loop's body is
        // a struct; what is left per call is the op layer's timer name (56 bytes), however many projections share
        // the pass.
        int k = 2048;
        using Tensor x = _cpu.FromF32(Numerics.Uniform(1, k), 1, k);
        foreach (int[] ns in new[] { new[] { 2048, 256, 256 }, new[] { 4096, 4096 } })
        {
            Projection[] projections = ns.Select((n, i) => new Projection(
                dtype == DType.BF16 ? _cpu.FromBf16(Numerics.UniformBf16(i, n * k), n, k) : _cpu.FromF32(Numerics.Uniform(i, n * k), n, k),
                dtype == DType.BF16 ? _cpu.FromBf16(Numerics.UniformBf16(i + 9, n), n) : _cpu.FromF32(Numerics.Uniform(i + 9, n), n),
                _cpu.Allocate(DType.F32, 1, n))).ToArray();
            _cpu.Project(x, projections); // warm: first-use buffers and JIT
            long perCall = AllocationBudget.BytesPerCall(() => _cpu.Project(x, projections));
            Assert.True(perCall < 256, $"{dtype} N=[{string.Join(',', ns)}] K={k}: {perCall} managed bytes per call");
            foreach (Projection p in projections) { p.Weight.Dispose(); p.Bias!.Dispose(); p.Output.Dispose(); }
        }
    }

    private float[] Download(Tensor t)
    {
        var a = new float[t.Length];
        _cpu.CopyToHost(t, a);
        return a;
    }
}
