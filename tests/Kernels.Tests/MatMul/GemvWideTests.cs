// PruneVid.NET — kernel tests.
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Compute;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Kernels.Tests.Accelerators;

namespace PruneVid.Kernels.Tests.MatMul;

/// <summary>
/// The wide decode GEMV (<see cref="Kernels.MatMul.GemvWideKernel"/> + <see cref="Kernels.MatMul.GemvSplitSumKernel"/>)
/// against the plain reference at K not a multiple of 8·32, odd N, M = 1 and a few rows, every rows-per-warp and
/// group size, split and unsplit; and the backend's decode calls through it.
/// </summary>
public abstract class GemvWideTests(AcceleratorFixture fixture)
{
    // Same products, other summation order (lane slices and splits vs. the reference's SIMD dot): a few ulp of sums
    // of ≤ 300 terms of magnitude ≤ 1.5.
    private const float Rtol = 1e-5f, Atol = 1e-4f;

    private KernelRuntime Runtime => fixture.Runtime;

    public static TheoryData<int, int, int, int, bool, bool> Shapes() => new()
    {
        { 1, 37, 264, 1, true, false },  // K = 8·33: one lane of a 32-lane warp loads a second vector; N odd
        { 1, 9, 264, 3, false, false },  // split K in 3 uneven slices (11 vectors each)
        { 3, 45, 200, 2, true, true },   // a few rows, split, bias and residual accumulate
        { 2, 7, 8, 1, false, true },     // one vector per row: most lanes idle
        { 1, 5, 136, 4, true, false },   // more splits than some lanes have vectors; N smaller than 2 warps of 4 rows
    };

    [AcceleratorTheory]
    [MemberData(nameof(Shapes))]
    public void GemvWideMatchesReference(int m, int n, int k, int splits, bool withBias, bool accumulate)
    {
        float[] x = Numerics.Uniform(1, m * k, -1f, 1f), start = Numerics.Uniform(4, m * n);
        ushort[] w = Numerics.UniformBf16(2, n * k, -1.5f, 1.5f), bias = Numerics.UniformBf16(3, n);
        float[] expected = (float[])start.Clone();
        if (accumulate) Kernels.MatMul.ReferenceAccumulate(x, w, withBias ? bias : default, expected, m, n, k);
        else Kernels.MatMul.Reference(x, w, withBias ? bias : default, expected, m, n, k);

        using var xb = Runtime.Accelerator.Allocate1D(x);
        using var wb = Runtime.Accelerator.Allocate1D(w);
        using var bb = Runtime.Accelerator.Allocate1D(bias);
        using var yb = Runtime.Accelerator.Allocate1D<float>(m * n);
        using var partial = Runtime.Accelerator.Allocate1D<float>(splits * m * n);
        ArrayView<Bf16x8> vectors = ((ArrayView<ushort>)wb.View).Cast<Bf16x8>();
        var launch = new GemvWideShape(new ProjectionShapes(m, k, n, 0, 0, withBias ? 1 : 0), splits, accumulate ? 1 : 0);
        foreach (int rows in KernelRegistry.Find("MatMul.GemvWide")!.Tunables["rowsPerWarp"])
            foreach (int threads in Fitting())
            {
                yb.CopyFromCPU(start);
                Kernels.MatMul.LaunchGemvWide(Runtime, Kernels.MatMul.GemvWideGroups(launch, threads, Runtime.Accelerator.WarpSize, rows), xb.View,
                    vectors, bb.View, yb.View, vectors, bb.View, yb.View, vectors, bb.View, yb.View, launch, partial.View, rows, threads);
                if (splits > 1)
                    Kernels.MatMul.LaunchGemvSplitSum(Runtime, m * n, partial.View, bb.View, yb.View, bb.View, yb.View, bb.View, yb.View, launch);
                Numerics.AssertClose(expected, yb.GetAsArray1D(), Rtol, Atol, $"GemvWide {m}x{n}x{k} splits={splits} rows={rows} threads={threads}");
            }
    }

    [AcceleratorTheory]
    [InlineData(1, 1)]
    [InlineData(2, 3)]
    public void GemvWideComputesThreeProjectionsInOneLaunch(int m, int splits)
    {
        // q/k/v-like: slot widths 13, 6 and 5 (none a multiple of the rows per warp), biases on slots 0 and 2.
        const int k = 264;
        int[] ns = [13, 6, 5];
        float[] x = Numerics.Uniform(1, m * k, -1f, 1f);
        var w = new MemoryBuffer1D<ushort, Stride1D.Dense>[3];
        var bias = new MemoryBuffer1D<ushort, Stride1D.Dense>[3];
        var y = new MemoryBuffer1D<float, Stride1D.Dense>[3];
        var expected = new float[3][];
        for (int i = 0; i < 3; i++)
        {
            ushort[] wi = Numerics.UniformBf16(10 + i, ns[i] * k, -1.5f, 1.5f), bi = Numerics.UniformBf16(20 + i, ns[i]);
            expected[i] = new float[m * ns[i]];
            Kernels.MatMul.Reference(x, wi, i == 1 ? default : bi, expected[i], m, ns[i], k);
            w[i] = Runtime.Accelerator.Allocate1D(wi);
            bias[i] = Runtime.Accelerator.Allocate1D(bi);
            y[i] = Runtime.Accelerator.Allocate1D<float>(m * ns[i]);
        }
        var launch = new GemvWideShape(new ProjectionShapes(m, k, ns[0], ns[1], ns[2], 0b101), splits, 0);
        using var xb = Runtime.Accelerator.Allocate1D(x);
        using var partial = Runtime.Accelerator.Allocate1D<float>(splits * m * launch.Shapes.TotalN);
        int threads = Fitting().Max();
        Kernels.MatMul.LaunchGemvWide(Runtime, Kernels.MatMul.GemvWideGroups(launch, threads, Runtime.Accelerator.WarpSize, 4), xb.View,
            Vectors(w[0]), bias[0].View, y[0].View, Vectors(w[1]), bias[1].View, y[1].View, Vectors(w[2]), bias[2].View, y[2].View,
            launch, partial.View, 4, threads);
        if (splits > 1)
            Kernels.MatMul.LaunchGemvSplitSum(Runtime, m * launch.Shapes.TotalN, partial.View, bias[0].View, y[0].View,
                bias[1].View, y[1].View, bias[2].View, y[2].View, launch);
        for (int i = 0; i < 3; i++)
        {
            Numerics.AssertClose(expected[i], y[i].GetAsArray1D(), Rtol, Atol, $"GemvWide slot {i} m={m} splits={splits}");
            w[i].Dispose(); bias[i].Dispose(); y[i].Dispose();
        }
    }

    [AcceleratorTheory]
    [InlineData(1)]
    [InlineData(3)]
    public void BackendDecodeCallsMatchTheReference(int m)
    {
        // K = 3,072 (a multiple of 8) with N 12 and 1,000 columns in all: the plan takes the wide kernel and splits K;
        // the residual add (MatMulAccumulate) and the fused Project go through it too.
        const int k = 3072, n = 12;
        using var backend = new IlgpuBackend(Runtime) { GemvOnEveryAccelerator = true };
        Assert.Equal(new GemvPlan(GemvVariant.Wide, 4, 3), Kernels.MatMul.PlanGemv(n, k, weightsAligned16: true));
        float[] x = Numerics.Uniform(1, m * k, -1f, 1f), start = Numerics.Uniform(4, m * n);
        ushort[] w = Numerics.UniformBf16(2, n * k, -1.5f, 1.5f), bias = Numerics.UniformBf16(3, n);
        ushort[] w2 = Numerics.UniformBf16(5, 7 * k, -1.5f, 1.5f);
        float[] product = new float[m * n], accumulated = (float[])start.Clone(), second = new float[m * 7];
        Kernels.MatMul.Reference(x, w, bias, product, m, n, k);
        Kernels.MatMul.ReferenceAccumulate(x, w, default, accumulated, m, n, k);
        Kernels.MatMul.Reference(x, w2, default, second, m, 7, k);

        using Tensor xt = backend.FromF32(x, m, k), wt = backend.FromBf16(w, n, k), bt = backend.FromBf16(bias, n), w2t = backend.FromBf16(w2, 7, k);
        using Tensor yt = backend.Allocate(DType.F32, m, n), at = backend.FromF32(start, m, n);
        using Tensor pq = backend.Allocate(DType.F32, m, n), pk = backend.Allocate(DType.F32, m, 7);
        long launches = backend.Counters.Snapshot().Launches;
        backend.MatMul(xt, wt, bt, yt);
        // Two launches (GemvWide, then GemvSplitSum) where the pairs GEMV and the tiled kernel take one.
        Assert.Equal(2, backend.Counters.Snapshot().Launches - launches);
        backend.MatMulAccumulate(xt, wt, null, at);
        backend.Project(xt, [new(wt, bt, pq), new(w2t, null, pk)]);
        float[] y = new float[m * n], a = new float[m * n], q = new float[m * n], kk = new float[m * 7];
        backend.CopyToHost(yt, y);
        backend.CopyToHost(at, a);
        backend.CopyToHost(pq, q);
        backend.CopyToHost(pk, kk);
        // K = 3,072 terms: the bound grows with the sum's length (still far below one product's size).
        Numerics.AssertClose(product, y, 1e-5f, 1e-3f, "MatMul");
        Numerics.AssertClose(accumulated, a, 1e-5f, 1e-3f, "MatMulAccumulate");
        Numerics.AssertClose(product, q, 1e-5f, 1e-3f, "Project slot 0");
        Numerics.AssertClose(second, kk, 1e-5f, 1e-3f, "Project slot 1");
    }

    private static ArrayView<Bf16x8> Vectors(MemoryBuffer1D<ushort, Stride1D.Dense> words) => ((ArrayView<ushort>)words.View).Cast<Bf16x8>();

    private IEnumerable<int> Fitting()
        => KernelRegistry.Find("MatMul.GemvWide")!.Tunables["threads"]
            .Where(t => t <= Runtime.Accelerator.MaxNumThreadsPerGroup && t >= Runtime.Accelerator.WarpSize);
}

/// <summary>The wide GEMV on ILGPU's CPU accelerator (4-lane warps).</summary>
public sealed class GemvWideTestsCpu(CpuAcceleratorFixture fixture) : GemvWideTests(fixture), IClassFixture<CpuAcceleratorFixture>;

/// <summary>The wide GEMV on the CPU accelerator with 32-lane warps (the lane slices of a GPU warp).</summary>
public sealed class GemvWideTestsWarp32(Warp32CpuAcceleratorFixture fixture) : GemvWideTests(fixture), IClassFixture<Warp32CpuAcceleratorFixture>;

/// <summary>The wide GEMV on a CUDA GPU (discovered only where one exists).</summary>
[RequiresCuda]
public sealed class GemvWideTestsCuda(CudaAcceleratorFixture fixture) : GemvWideTests(fixture), IClassFixture<CudaAcceleratorFixture>;

/// <summary>Which GEMV the plan picks at the Qwen2.5-VL-7B decode shapes.</summary>
public sealed class GemvPlanTests
{
    [Fact]
    public void PlanTakesTheWideGemvAtTheDecodeShapesAndSplitsNarrowOutputs()
    {
        // q/k/v fused (3,584 + 2·512 columns over K 3,584): 1,152 warps of 4 rows, K cut in 3 (the most K 3,584 allows).
        Assert.Equal(new GemvPlan(GemvVariant.Wide, 4, 3), Kernels.MatMul.PlanGemv(4608, 3584, true));
        // k or v alone (N 512): 128 warps, split as far as K allows.
        Assert.Equal(new GemvPlan(GemvVariant.Wide, 4, 3), Kernels.MatMul.PlanGemv(512, 3584, true));
        // down (N 3,584, K 18,944): 896 warps, split 5 ways to pass the warps a GPU needs in flight.
        Assert.Equal(new GemvPlan(GemvVariant.Wide, 4, 5), Kernels.MatMul.PlanGemv(3584, 18944, true));
        // gate/up fused (2·18,944) and the lm_head (152,064 rows): enough rows, no split.
        Assert.Equal(new GemvPlan(GemvVariant.Wide, 4, 1), Kernels.MatMul.PlanGemv(2 * 18944, 3584, true));
        Assert.Equal(new GemvPlan(GemvVariant.Wide, 4, 1), Kernels.MatMul.PlanGemv(152064, 3584, true));
    }

    [Fact]
    public void PlanKeepsThePairsGemvWhereVectorLoadsCannotRun()
    {
        Assert.Equal(GemvVariant.Pairs, Kernels.MatMul.PlanGemv(512, 3586, true).Variant);  // K not a multiple of 8
        Assert.Equal(GemvVariant.Pairs, Kernels.MatMul.PlanGemv(512, 3584, false).Variant); // weights not 16-byte aligned
    }
}
