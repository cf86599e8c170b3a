// PruneVid.NET — kernel tests: the packed-weight matrix multiplies against their reference.
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Kernels.Quantized;

namespace PruneVid.Kernels.Tests.Quantized;

/// <summary>
/// Every fast path of y = x · Wᵀ (+ bias) with int4/int8 weights against <see cref="QuantizedMatMul.Reference"/> at
/// odd shapes (K not a multiple of the 32-weight block, N not a multiple of any tile, several row panels). The paths
/// sum the same exact products in another order, so the bound is f32 summation error: 1e-5 relative to the sum of
/// |x·w| of the output (K ≤ 300 terms of unit round-off 6e-8 each stay far below it).
/// </summary>
public sealed class QuantizedMatMulTests
{
    public static TheoryData<int, int, int, int> Shapes => new()
    {
        // bits, m, n, k
        { 4, 1, 7, 37 },
        { 4, 1, 33, 232 },
        { 8, 1, 17, 300 },
        { 4, 3, 65, 96 },
        { 4, 8, 33, 200 },
        { 8, 1, 9, 45 },
        { 8, 5, 40, 128 },
        { 4, 9, 300, 70 },
        { 8, 17, 260, 33 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void CpuFastPathsMatchTheReference(int bits, int m, int n, int k)
    {
        var (x, matrix, bias) = Case(bits, m, n, k);
        foreach (bool accumulate in new[] { false, true })
        {
            float[] expected = Numerics.Uniform(5, m * n), actual = (float[])expected.Clone();
            QuantizedMatMul.Reference(x, matrix, bias, expected, m, accumulate);
            if (m > CpuQuantizedGemv.MaxRows)
            {
                CpuQuantizedGemm.Run(x, matrix, bias, actual, m, accumulate);
                AssertWithinSummationError(expected, actual, x, matrix, m, $"GEMM bits={bits} [{m},{n},{k}] accumulate={accumulate}");
                continue;
            }
            foreach (GemvPath path in Enum.GetValues<GemvPath>().Where(CpuQuantizedGemv.Supports))
            {
                float[] y = (float[])actual.Clone();
                CpuQuantizedGemv.Run(x, matrix, bias, y, m, accumulate, path);
                AssertWithinSummationError(expected, y, x, matrix, m, $"GEMV {path} bits={bits} [{m},{n},{k}] accumulate={accumulate}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void BackendsMultiplyPackedWeightsAsTheReference(int bits, int m, int n, int k)
    {
        var (x, matrix, bias) = Case(bits, m, n, k);
        float[] expected = new float[m * n];
        QuantizedMatMul.Reference(x, matrix, bias, expected, m, accumulate: false);
        using var ilgpu = new IlgpuBackend(KernelRuntime.CreateCpu(), ownsRuntime: true);
        // The Cpu backend with f32 activations: its int8 setting is IntegerDotMatMulTests' subject.
        foreach (ComputeBackend backend in new ComputeBackend[] { new CpuBackend { PackedActivations = PackedActivations.F32 }, ilgpu })
        {
            using Tensor w = backend.FromQuantized(matrix), tx = backend.FromF32(x, m, k), tb = backend.FromF32(bias, n);
            Assert.Equal(bits == 4 ? DType.Int4 : DType.Int8, w.DType);
            using Tensor y = backend.Allocate(DType.F32, m, n), y2 = backend.Allocate(DType.F32, m, n);
            backend.MatMul(tx, w, tb, y);
            backend.Project(tx, [new Projection(w, tb, y2)]);
            var host = new float[m * n];
            backend.CopyToHost(y, host);
            AssertWithinSummationError(expected, host, x, matrix, m, $"{backend.Name} MatMul bits={bits} [{m},{n},{k}]");
            backend.CopyToHost(y2, host);
            AssertWithinSummationError(expected, host, x, matrix, m, $"{backend.Name} Project bits={bits} [{m},{n},{k}]");
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void TheIlgpuGemvMatchesTheReference(int bits, int m, int n, int k)
    {
        if (m > 8) return; // the GEMV serves decode-shaped calls only; larger M is covered by the test above
        var (x, matrix, bias) = Case(bits, m, n, k);
        float[] expected = Numerics.Uniform(9, m * n);
        var initial = (float[])expected.Clone();
        QuantizedMatMul.Reference(x, matrix, bias, expected, m, accumulate: true);
        using var ilgpu = new IlgpuBackend(KernelRuntime.CreateCpu(), ownsRuntime: true);
        using Tensor w = ilgpu.FromQuantized(matrix), tx = ilgpu.FromF32(x, m, k), tb = ilgpu.FromF32(bias, n), y = ilgpu.FromF32(initial, m, n);
        var packed = (IlgpuQuantizedTensor)w;
        int threads = ilgpu.Runtime.Accelerator.MaxNumThreadsPerGroup >= 32 ? 32 : 16;
        QuantizedMatMul.LaunchPackedGemv(ilgpu.Runtime, QuantizedMatMul.GemvGroups(n, threads, ilgpu.Runtime.Accelerator.WarpSize),
            ((IlgpuTensor)tx).F32, packed.Codes.View, packed.Scales.View, packed.Zeros.View, ((IlgpuTensor)tb).F32, ((IlgpuTensor)y).F32,
            packed.Packing, m, 1, 1, threads);
        var host = new float[m * n];
        ilgpu.CopyToHost(y, host);
        AssertWithinSummationError(expected, host, x, matrix, m, $"ILGPU GEMV bits={bits} [{m},{n},{k}] accumulate");
    }

    [Fact]
    public void APackedWeightRefusesABf16Bias()
    {
        var (x, matrix, bias) = Case(4, 1, 8, 32);
        var backend = new CpuBackend();
        using Tensor w = backend.FromQuantized(matrix), tx = backend.FromF32(x, 1, 32), tb = backend.FromBf16(new ushort[8], 8);
        using Tensor y = backend.Allocate(DType.F32, 1, 8);
        var e = Assert.Throws<ArgumentException>(() => backend.MatMul(tx, w, tb, y));
        Assert.Contains("should hold 8 F32 values", e.Message);
    }

    private static (float[] X, QuantizedMatrix W, float[] Bias) Case(int bits, int m, int n, int k)
    {
        float[] weights = Numerics.Uniform(bits + 31 * n + k, n * k, -0.5f, 0.5f);
        return (Numerics.Uniform(m + 7 * k, m * k), WeightQuantizer.Quantize(weights, n, k, bits), Numerics.Uniform(n, n));
    }

    private static void AssertWithinSummationError(float[] expected, float[] actual, float[] x, QuantizedMatrix w, int m, string what)
    {
        int n = w.Rows, k = w.Columns;
        for (int i = 0; i < m; i++)
            for (int r = 0; r < n; r++)
            {
                double magnitude = 1;
                for (int c = 0; c < k; c++) magnitude += Math.Abs(x[i * k + c] * w.Dequantize(r, c));
                double diff = Math.Abs(expected[i * n + r] - actual[i * n + r]);
                if (diff > 1e-5 * magnitude) Assert.Fail($"{what}: y[{i},{r}] = {actual[i * n + r]:R}, reference {expected[i * n + r]:R} (Σ|x·w| = {magnitude:G4})");
            }
    }
}
