// PruneVid.NET — MatMul: the ILGPU cores of MatMul and Project (the GEMV for decode-shaped calls on CUDA, the tiled GEMM otherwise).
using ILGPU;
using PruneVid.Compute;

namespace PruneVid.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc />
    /// <remarks>
    /// <see cref="Kernels.MatMul.Plan"/> picks the kernel: the bandwidth-bound GEMV for decode-shaped calls (the wide
    /// one where <see cref="Kernels.MatMul.PlanGemv"/> allows, the pairs one otherwise), the
    /// tensor-core GEMM for the rest where <see cref="TensorCores"/> is on, the portable tiled GEMM otherwise.
    /// </remarks>
    private protected override void MatMulCore(Tensor x, Tensor w, Tensor? bias, Tensor y, int m, int n, int k, bool accumulate)
    {
        IlgpuTensor tx = (IlgpuTensor)x, tw = (IlgpuTensor)w, ty = (IlgpuTensor)y;
        var tb = (IlgpuTensor?)bias;
        int hasBias = tb is null ? 0 : 1, add = accumulate ? 1 : 0;
        if (tw.DType == DType.F32)
        {
            int threads = TiledThreads();
            Kernels.MatMul.LaunchTiledF32(Runtime, Kernels.MatMul.TiledGroups(m, n, threads), tx.RawF32, tw.RawF32,
                (tb ?? tw).RawF32, ty.RawF32, m, n, k, hasBias, add, threads);
            return;
        }

        ArrayView<ushort> weights = tw.RawBf16;
        // The bias view is unread without a bias, but launchers reject empty views: pass the weights instead.
        ArrayView<ushort> biasView = (tb ?? tw).RawBf16;
        // The GEMV reads bf16 pairs as 32-bit words, so rows must start 4-byte aligned: true for an owned buffer with
        // even K (views hide their offset). It is a GPU kernel: on ILGPU's CPU accelerator the tiled kernel is faster.
        bool pairsAligned = k % 2 == 0 && !tw.IsView;
        MatMulKernel plan = Kernels.MatMul.Plan(m, GemvAvailable && pairsAligned, TensorCores);
        if (plan == MatMulKernel.TensorCore)
            LaunchTensorCoreMatMul(tx, weights, biasView, ty, m, n, k, hasBias, add);
        else if (plan == MatMulKernel.Gemv)
        {
            var slot = (tw, tb ?? tw, ty);
            if (TryLaunchGemvWide(tx, new ProjectionShapes(m, k, n, 0, 0, hasBias), add, slot, slot, slot)) return;
            int threads = GroupSize(128);
            Kernels.MatMul.LaunchGemv(Runtime, Kernels.MatMul.GemvGroups(n, threads, Accelerator.WarpSize), tx.RawF32,
                weights.Cast<uint>(), biasView, ty.RawF32, m, n, k, hasBias, add, threads);
        }
        else
        {
            int threads = TiledThreads();
            Kernels.MatMul.LaunchTiled(Runtime, Kernels.MatMul.TiledGroups(m, n, threads), tx.RawF32, weights, biasView,
                ty.RawF32, m, n, k, hasBias, add, threads);
        }
    }

    /// <summary>The tiled kernel's largest group the accelerator allows: 256 (64×64 tiles), 64 (32×32) or 16 (16×16).</summary>
    private int TiledThreads() => Accelerator.MaxNumThreadsPerGroup >= 256 ? 256 : Accelerator.MaxNumThreadsPerGroup >= 64 ? 64 : 16;

    /// <inheritdoc />
    /// <remarks>
    /// One launch for every projection: <c>MatMul.ProjectGemv</c> for decode-shaped calls on CUDA (every weight an
    /// owned, 4-byte-aligned buffer with even K, as for the single GEMV), <c>MatMul.ProjectTensorCore</c> where
    /// <see cref="TensorCores"/> is on, <c>MatMul.ProjectTiled</c> otherwise. Unused
    /// slots repeat slot 0's views with N = 0.
    /// </remarks>
    private protected override void ProjectCore(Tensor x, ReadOnlySpan<Projection> projections, int m, int k)
    {
        var tx = (IlgpuTensor)x;
        var (w0, b0, y0) = Slot(projections, 0);
        var (w1, b1, y1) = Slot(projections, 1);
        var (w2, b2, y2) = Slot(projections, 2);
        int biasMask = 0;
        for (int i = 0; i < projections.Length; i++) if (projections[i].Bias is not null) biasMask |= 1 << i;
        var shapes = new ProjectionShapes(m, k, N(projections, 0), N(projections, 1), N(projections, 2), biasMask);
        if (shapes.TotalN == 0) return;

        if (w0.DType == DType.F32)
        {
            int threads = TiledThreads();
            Kernels.MatMul.LaunchProjectTiledF32(Runtime, Kernels.MatMul.ProjectTiledGroups(shapes, threads), tx.RawF32,
                w0.RawF32, b0.RawF32, y0.RawF32, w1.RawF32, b1.RawF32, y1.RawF32, w2.RawF32, b2.RawF32, y2.RawF32, shapes, threads);
            return;
        }

        bool pairsAligned = k % 2 == 0 && !w0.IsView && !w1.IsView && !w2.IsView;
        MatMulKernel plan = Kernels.MatMul.Plan(m, GemvAvailable && pairsAligned, TensorCores);
        if (plan == MatMulKernel.TensorCore)
            LaunchTensorCoreProject(tx, shapes, (w0, b0, y0), (w1, b1, y1), (w2, b2, y2));
        else if (plan == MatMulKernel.Gemv)
        {
            if (TryLaunchGemvWide(tx, shapes, 0, (w0, b0, y0), (w1, b1, y1), (w2, b2, y2))) return;
            int threads = GroupSize(128);
            Kernels.MatMul.LaunchProjectGemv(Runtime, Kernels.MatMul.GemvGroups(shapes.TotalN, threads, Accelerator.WarpSize), tx.RawF32,
                Pairs(w0), b0.RawBf16, y0.RawF32, Pairs(w1), b1.RawBf16, y1.RawF32, Pairs(w2), b2.RawBf16, y2.RawF32, shapes, threads);
        }
        else
        {
            int threads = TiledThreads();
            Kernels.MatMul.LaunchProjectTiled(Runtime, Kernels.MatMul.ProjectTiledGroups(shapes, threads), tx.RawF32,
                w0.RawBf16, b0.RawBf16, y0.RawF32, w1.RawBf16, b1.RawBf16, y1.RawF32, w2.RawBf16, b2.RawBf16, y2.RawF32, shapes, threads);
        }
    }

    /// <summary>Slot i's tensors; a slot past the call's projections, or a missing bias, repeats slot 0's (never read).</summary>
    private static (IlgpuTensor Weight, IlgpuTensor Bias, IlgpuTensor Output) Slot(ReadOnlySpan<Projection> projections, int i)
    {
        Projection p = i < projections.Length ? projections[i] : projections[0];
        var weight = (IlgpuTensor)p.Weight;
        return (weight, (IlgpuTensor)(p.Bias ?? p.Weight), (IlgpuTensor)p.Output);
    }

    /// <summary>bf16 weights viewed as 32-bit pairs for the GEMV.</summary>
    private static ArrayView<uint> Pairs(IlgpuTensor weights) => ((ArrayView<ushort>)weights.RawBf16).Cast<uint>();

    private static int N(ReadOnlySpan<Projection> projections, int i) => i < projections.Length ? projections[i].Weight.Rows : 0;
}
