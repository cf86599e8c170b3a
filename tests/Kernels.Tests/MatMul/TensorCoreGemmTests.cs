// PruneVid.NET — kernel tests.
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Compute;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Kernels.Tests.Accelerators;

namespace PruneVid.Kernels.Tests.MatMul;

/// <summary>
/// The tensor-core GEMM (<see cref="Kernels.MatMul.TensorCoreKernel"/>, <see cref="Kernels.MatMul.ProjectTensorCoreKernel"/>)
/// against <see cref="Kernels.MatMul.TensorCoreReference"/> at shapes that are multiples of no tile, on the CPU
/// accelerator with 32-lane warps (the warp instructions emulated), and the backend's choice of it.
/// </summary>
public sealed class TensorCoreGemmTests(Warp32CpuAcceleratorFixture fixture) : IClassFixture<Warp32CpuAcceleratorFixture>
{
    // Same bf16 operands and exact products; only the f32 summation order differs (k order vs. the reference's SIMD
    // dot): a few ulp of a sum of ≤ 100 terms of magnitude ≤ 1.
    private const float Rtol = 1e-5f, Atol = 1e-4f;

    // The 2-warp group: the fixture's accelerator simulates 64 threads per group.
    private const int Threads = 64;

    private KernelRuntime Runtime => fixture.Runtime;

    // The 64-thread variant (64×32 tiles) at both pipeline depths: the CPU accelerator simulates every thread, so the
    // 256-thread variant is left to the PTX checks and a GPU.
    public static TheoryData<int, int, int, bool, bool, int> Shapes() => new()
    {
        { 37, 40, 72, true, false, 3 },  // K a multiple of 8: the cp.async path; 3 stages over 3 K-tiles; N past a tile
        { 70, 33, 45, false, true, 2 },  // odd K: the plain-copy path; M past a 64-row tile; accumulate into y
        { 5, 9, 16, true, true, 2 },     // smaller than every tile
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void TensorCoreKernelMatchesReference(int m, int n, int k, bool withBias, bool accumulate, int stages)
    {
        float[] x = Numerics.Uniform(1, m * k, -1f, 1f);
        ushort[] w = Numerics.UniformBf16(2, n * k, -1f, 1f), bias = Numerics.UniformBf16(3, n, -1f, 1f);
        float[] initial = Numerics.Uniform(4, m * n, -1f, 1f);
        float[] expected = new float[m * n];
        Kernels.MatMul.TensorCoreReference(x, w, withBias ? bias : default, expected, m, n, k);
        if (accumulate) for (int i = 0; i < expected.Length; i++) expected[i] = initial[i] + expected[i];

        using var xb = Runtime.Accelerator.Allocate1D(x);
        using var wb = Runtime.Accelerator.Allocate1D(w);
        using var bb = Runtime.Accelerator.Allocate1D(bias);
        using var yb = Runtime.Accelerator.Allocate1D<float>(m * n);
        yb.CopyFromCPU(initial);
        Kernels.MatMul.LaunchTensorCore(Runtime, Kernels.MatMul.TensorCoreGroups(m, n, Threads), xb.View, wb.View,
            Address(wb.View), bb.View, yb.View, m, n, k, withBias ? 1 : 0, accumulate ? 1 : 0, Threads, stages);
        Numerics.AssertClose(expected, yb.GetAsArray1D(), Rtol, Atol, $"MatMul.TensorCore {m}x{n}x{k} stages={stages}");
    }

    [Fact]
    public void ProjectTensorCoreKernelMatchesReferencePerSlot()
    {
        const int m = 20, k = 40;
        int[] ns = [40, 9, 24];
        float[] x = Numerics.Uniform(5, m * k, -1f, 1f);
        ushort[][] w = ns.Select((n, i) => Numerics.UniformBf16(10 + i, n * k, -1f, 1f)).ToArray();
        ushort[][] bias = ns.Select((n, i) => Numerics.UniformBf16(20 + i, n, -1f, 1f)).ToArray();
        const int biasMask = 0b101; // slot 1 has none
        var shapes = new ProjectionShapes(m, k, ns[0], ns[1], ns[2], biasMask);

        using var xb = Runtime.Accelerator.Allocate1D(x);
        var wb = w.Select(a => Runtime.Accelerator.Allocate1D(a)).ToArray();
        var bb = bias.Select(a => Runtime.Accelerator.Allocate1D(a)).ToArray();
        var yb = ns.Select(n => Runtime.Accelerator.Allocate1D<float>(m * n)).ToArray();
        try
        {
            Kernels.MatMul.LaunchProjectTensorCore(Runtime, Kernels.MatMul.ProjectTensorCoreGroups(shapes, Threads), xb.View,
                wb[0].View, bb[0].View, yb[0].View, wb[1].View, bb[1].View, yb[1].View, wb[2].View, bb[2].View, yb[2].View,
                shapes, new WeightAddresses(Address(wb[0].View), Address(wb[1].View), Address(wb[2].View)), Threads, 3);
            for (int slot = 0; slot < 3; slot++)
            {
                float[] expected = new float[m * ns[slot]];
                Kernels.MatMul.TensorCoreReference(x, w[slot], ((biasMask >> slot) & 1) != 0 ? bias[slot] : default, expected, m, ns[slot], k);
                Numerics.AssertClose(expected, yb[slot].GetAsArray1D(), Rtol, Atol, $"MatMul.ProjectTensorCore slot {slot}");
            }
        }
        finally
        {
            foreach (var b in wb.Concat(bb)) b.Dispose();
            foreach (var b in yb) b.Dispose();
        }
    }

    private static long Address(ArrayView<ushort> view) => view.LoadEffectiveAddressAsPtr().ToInt64();

    [Fact]
    public void TensorCoreReferenceRoundsActivationsToBf16()
    {
        // 1 + 2⁻¹⁰ is not a bf16 (8 significant bits): it enters the product as 1.
        float[] x = [1f + 1f / 1024];
        ushort[] w = [Bf16.FromSingle(1f)];
        float[] y = new float[1];
        Kernels.MatMul.TensorCoreReference(x, w, default, y, 1, 1, 1);
        Assert.Equal(1f, y[0]);
    }

    [Fact]
    public void PlanPicksTensorCoresForPrefillShapesOnCuda()
    {
        // The 7B prefill (2,076 rows) and the vision tower's patch rows take tensor cores where available ...
        Assert.Equal(MatMulKernel.TensorCore, Kernels.MatMul.Plan(2076, gemvAvailable: true, tensorCoresAvailable: true));
        Assert.Equal(MatMulKernel.TensorCore, Kernels.MatMul.Plan(8192, gemvAvailable: true, tensorCoresAvailable: true));
        // ... decode keeps the GEMV, and without tensor cores the portable tiled kernel stays.
        Assert.Equal(MatMulKernel.Gemv, Kernels.MatMul.Plan(1, gemvAvailable: true, tensorCoresAvailable: true));
        Assert.Equal(MatMulKernel.Tiled, Kernels.MatMul.Plan(2076, gemvAvailable: true, tensorCoresAvailable: false));
    }

    [Fact]
    public void BackendUsesTensorCoresOnlyWhereWarpsAre32Lanes()
    {
        using var warp4 = KernelRuntime.CreateCpu();
        using var portable = new IlgpuBackend(warp4);
        Assert.False(portable.TensorCores); // off by default off CUDA
        var error = Assert.Throws<InvalidOperationException>(() => portable.TensorCores = true);
        Assert.Contains("32-lane warps", error.Message);
    }

    [Fact]
    public void BackendMatMulAndProjectRunOnTensorCoresWhenEnabled()
    {
        const int m = 21, n = 30, k = 48; // one 64×32 tile
        using var backend = new IlgpuBackend(Runtime) { TensorCores = true };
        float[] x = Numerics.Uniform(6, m * k, -1f, 1f);
        ushort[] w = Numerics.UniformBf16(7, n * k, -1f, 1f), bias = Numerics.UniformBf16(8, n, -1f, 1f);
        float[] expected = new float[m * n];
        Kernels.MatMul.TensorCoreReference(x, w, bias, expected, m, n, k);
        // x has values that bf16 cannot hold, so only the bf16-rounding path reproduces the reference this closely.
        float[] f32Path = new float[m * n];
        Kernels.MatMul.Reference(x, w, bias, f32Path, m, n, k);
        Assert.True(expected.Zip(f32Path).Any(p => MathF.Abs(p.First - p.Second) > 10 * Atol), "the test's x must tell bf16 and f32 activations apart");

        using Tensor xt = backend.FromF32(x, m, k), wt = backend.FromBf16(w, n, k), bt = backend.FromBf16(bias, n);
        using Tensor yt = backend.Allocate(DType.F32, m, n), pt = backend.Allocate(DType.F32, m, n);
        backend.MatMul(xt, wt, bt, yt);
        backend.Project(xt, [new Projection(wt, bt, pt)]);
        float[] y = new float[m * n], p = new float[m * n];
        backend.CopyToHost(yt, y);
        backend.CopyToHost(pt, p);
        Numerics.AssertClose(expected, y, Rtol, Atol, "IlgpuBackend.MatMul on tensor cores");
        Numerics.AssertClose(expected, p, Rtol, Atol, "IlgpuBackend.Project on tensor cores");
    }
}
