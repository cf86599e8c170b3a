// PruneVid.NET — kernel tests.
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Compute;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Kernels.Tests.Accelerators;

namespace PruneVid.Kernels.Tests.MatMul;

/// <summary>GEMM and GEMV kernels against <see cref="Kernels.MatMul.Reference(ReadOnlySpan{float}, ReadOnlySpan{ushort}, ReadOnlySpan{ushort}, Span{float}, int, int, int)"/>.</summary>
public abstract class MatMulTests(AcceleratorFixture fixture)
{
    // Same products, other summation order (tiles of 16 vs. SIMD dot): a few ulp of the row sum, |x|,|w| ≤ 1, K ≤ 300.
    private const float Rtol = 1e-5f, Atol = 2e-5f;

    private KernelRuntime Runtime => fixture.Runtime;

    public static TheoryData<int, int, int, bool> Shapes() => new()
    {
        { 1, 7, 5, true },     // smaller than one tile in every direction
        { 16, 16, 16, false }, // exactly one 16-tile
        { 17, 33, 40, true },  // one past the tile edges, K not a multiple of 16
        { 35, 20, 70, false },
        { 3, 45, 258, true },  // decode-like: few rows, longer K
    };

    [AcceleratorTheory]
    [MemberData(nameof(Shapes))]
    public void TiledMatchesReference(int m, int n, int k, bool withBias)
    {
        var (x, w, bias) = Data(m, n, k);
        float[] expected = new float[m * n];
        Kernels.MatMul.Reference(x, w, withBias ? bias : default, expected, m, n, k);
        using var xb = Runtime.Accelerator.Allocate1D(x);
        using var wb = Runtime.Accelerator.Allocate1D(w);
        using var bb = Runtime.Accelerator.Allocate1D(bias);
        using var yb = Runtime.Accelerator.Allocate1D<float>(m * n);
        foreach (int threads in Fitting("MatMul.Tiled"))
        {
            yb.MemSetToZero();
            Kernels.MatMul.LaunchTiled(Runtime, Kernels.MatMul.TiledGroups(m, n, threads), xb.View, wb.View, bb.View, yb.View, m, n, k, withBias ? 1 : 0, 0, threads);
            Numerics.AssertClose(expected, yb.GetAsArray1D(), Rtol, Atol, $"MatMul.Tiled {m}x{n}x{k} bias={withBias} threads={threads}");
        }
    }

    [AcceleratorFact]
    public void TiledF32MatchesReference()
    {
        const int m = 19, n = 21, k = 37;
        float[] x = Numerics.Uniform(1, m * k, -1f, 1f), w = Numerics.Uniform(2, n * k, -1f, 1f), bias = Numerics.Uniform(3, n, -1f, 1f);
        float[] expected = new float[m * n];
        Kernels.MatMul.Reference(x, w, bias, expected, m, n, k);
        using var xb = Runtime.Accelerator.Allocate1D(x);
        using var wb = Runtime.Accelerator.Allocate1D(w);
        using var bb = Runtime.Accelerator.Allocate1D(bias);
        using var yb = Runtime.Accelerator.Allocate1D<float>(m * n);
        foreach (int threads in Fitting("MatMul.TiledF32"))
        {
            Kernels.MatMul.LaunchTiledF32(Runtime, Kernels.MatMul.TiledGroups(m, n, threads), xb.View, wb.View, bb.View, yb.View, m, n, k, 1, 0, threads);
            Numerics.AssertClose(expected, yb.GetAsArray1D(), Rtol, Atol, $"MatMul.TiledF32 threads={threads}");
        }
    }

    [AcceleratorTheory]
    [InlineData(1, 37, 70, true)]
    [InlineData(3, 45, 258, false)]
    [InlineData(8, 9, 2, true)]
    public void GemvMatchesReference(int m, int n, int k, bool withBias)
    {
        var (x, w, bias) = Data(m, n, k);
        float[] expected = new float[m * n];
        Kernels.MatMul.Reference(x, w, withBias ? bias : default, expected, m, n, k);
        using var xb = Runtime.Accelerator.Allocate1D(x);
        using var wb = Runtime.Accelerator.Allocate1D(w);
        using var bb = Runtime.Accelerator.Allocate1D(bias);
        using var yb = Runtime.Accelerator.Allocate1D<float>(m * n);
        ArrayView<uint> pairs = ((ArrayView<ushort>)wb.View).Cast<uint>();
        foreach (int threads in Fitting("MatMul.Gemv").Where(t => t >= Runtime.Accelerator.WarpSize))
        {
            yb.MemSetToZero();
            Kernels.MatMul.LaunchGemv(Runtime, Kernels.MatMul.GemvGroups(n, threads, Runtime.Accelerator.WarpSize), xb.View, pairs, bb.View, yb.View,
                m, n, k, withBias ? 1 : 0, 0, threads);
            Numerics.AssertClose(expected, yb.GetAsArray1D(), Rtol, Atol, $"MatMul.Gemv {m}x{n}x{k} threads={threads}");
        }
    }

    [AcceleratorTheory]
    [InlineData(1)]  // GEMV path
    [InlineData(20)] // tiled path
    public void BackendMultipliesByIdentityExactly(int m)
    {
        // Independent of the reference: x · Iᵀ + b = x + b, exact for bf16-representable x and b.
        const int k = 24;
        using var backend = new IlgpuBackend(Runtime);
        float[] x = Numerics.UniformBf16(m, m * k, -4f, 4f).Select(Bf16.ToSingle).ToArray();
        var identity = new ushort[k * k];
        for (int i = 0; i < k; i++) identity[i * k + i] = Bf16.FromSingle(1f);
        ushort[] bias = Enumerable.Range(0, k).Select(i => Bf16.FromSingle(i * 0.25f)).ToArray();
        using Tensor xt = backend.FromF32(x, m, k), wt = backend.FromBf16(identity, k, k), bt = backend.FromBf16(bias, k), yt = backend.Allocate(DType.F32, m, k);
        backend.MatMul(xt, wt, bt, yt);
        float[] y = new float[m * k];
        backend.CopyToHost(yt, y);
        for (int i = 0; i < m * k; i++) Assert.Equal(x[i] + (i % k) * 0.25f, y[i]);
    }

    [AcceleratorTheory]
    [InlineData(1, DType.BF16)]
    [InlineData(9, DType.BF16)]
    [InlineData(5, DType.F32)]
    public void BackendMatchesReference(int m, DType weights)
    {
        const int n = 30, k = 50;
        using var backend = new IlgpuBackend(Runtime);
        var (x, w, bias) = Data(m, n, k);
        float[] expected = new float[m * n];
        Kernels.MatMul.Reference(x, w, bias, expected, m, n, k);
        float[] wf = w.Select(Bf16.ToSingle).ToArray(), bf = bias.Select(Bf16.ToSingle).ToArray();
        using Tensor xt = backend.FromF32(x, m, k), yt = backend.Allocate(DType.F32, m, n);
        using Tensor wt = weights == DType.BF16 ? backend.FromBf16(w, n, k) : backend.FromF32(wf, n, k);
        using Tensor bt = weights == DType.BF16 ? backend.FromBf16(bias, n) : backend.FromF32(bf, n);
        backend.MatMul(xt, wt, bt, yt);
        float[] y = new float[m * n];
        backend.CopyToHost(yt, y);
        Numerics.AssertClose(expected, y, Rtol, Atol, $"IlgpuBackend.MatMul m={m} {weights}");
    }

    [AcceleratorFact]
    public void BackendRejectsMismatchedShapes()
    {
        using var backend = new IlgpuBackend(Runtime);
        using Tensor x = backend.Allocate(DType.F32, 2, 8), w = backend.Allocate(DType.BF16, 4, 6), y = backend.Allocate(DType.F32, 2, 4);
        var e = Assert.Throws<ArgumentException>(() => backend.MatMul(x, w, null, y));
        Assert.Contains("MatMul", e.Message);
        using Tensor w8 = backend.Allocate(DType.BF16, 4, 8), wrongBias = backend.Allocate(DType.BF16, 3);
        Assert.Throws<ArgumentException>(() => backend.MatMul(x, w8, wrongBias, y));
    }

    private static (float[] X, ushort[] W, ushort[] Bias) Data(int m, int n, int k)
        => (Numerics.Uniform(m * 7919 + k, m * k, -1f, 1f), Numerics.UniformBf16(n * 31 + k, n * k, -1f, 1f), Numerics.UniformBf16(n, n, -1f, 1f));

    private IEnumerable<int> Fitting(string kernel)
        => KernelRegistry.Find(kernel)!.Tunables["threads"].Where(t => t <= Runtime.Accelerator.MaxNumThreadsPerGroup);
}

/// <summary>MatMul on ILGPU's CPU accelerator.</summary>
public sealed class MatMulTestsCpu(CpuAcceleratorFixture fixture) : MatMulTests(fixture), IClassFixture<CpuAcceleratorFixture>;

/// <summary>MatMul on a CUDA GPU (discovered only where one exists).</summary>
[RequiresCuda]
public sealed class MatMulTestsCuda(CudaAcceleratorFixture fixture) : MatMulTests(fixture), IClassFixture<CudaAcceleratorFixture>;
