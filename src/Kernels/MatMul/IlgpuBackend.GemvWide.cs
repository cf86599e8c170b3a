// PruneVid.NET — MatMul: the ILGPU backend's wide decode GEMV (launch plan, K-split scratch).
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Compute;

namespace PruneVid.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    private MemoryBuffer1D<float, Stride1D.Dense>? _gemvScratch;

    /// <summary>
    /// Whether decode-shaped MatMul/Project calls take the GEMV kernels. On by default on CUDA only: on ILGPU's CPU
    /// accelerator the tiled kernel is faster, so tests turn it on there to run the GEMV path through the backend.
    /// </summary>
    internal bool GemvOnEveryAccelerator { get; set; }

    private bool GemvAvailable => Runtime.IsCuda || GemvOnEveryAccelerator;

    /// <summary>
    /// Runs a decode-shaped call through <c>MatMul.GemvWide</c> (and <c>MatMul.GemvSplitSum</c> when the plan splits
    /// K) if <see cref="Kernels.MatMul.PlanGemv"/> picks it for these weights; returns false for the pairs kernel.
    /// Slots past <paramref name="shapes"/>' used ones repeat slot 0's tensors.
    /// </summary>
    private bool TryLaunchGemvWide(IlgpuTensor x, ProjectionShapes shapes, int accumulate,
        (IlgpuTensor Weight, IlgpuTensor Bias, IlgpuTensor Output) s0,
        (IlgpuTensor Weight, IlgpuTensor Bias, IlgpuTensor Output) s1,
        (IlgpuTensor Weight, IlgpuTensor Bias, IlgpuTensor Output) s2)
    {
        bool aligned = Aligned16(s0.Weight) && Aligned16(s1.Weight) && Aligned16(s2.Weight);
        GemvPlan plan = Kernels.MatMul.PlanGemv(shapes.TotalN, shapes.K, aligned);
        if (plan.Variant != GemvVariant.Wide) return false;
        var launch = new GemvWideShape(shapes, plan.Splits, accumulate);
        int threads = GemvWideThreads();
        ArrayView<float> partial = plan.Splits > 1
            ? GemvScratch(checked((long)plan.Splits * shapes.M * shapes.TotalN))
            : s0.Output.RawF32; // unread unsplit; launchers reject empty views
        Kernels.MatMul.LaunchGemvWide(Runtime, Kernels.MatMul.GemvWideGroups(launch, threads, Accelerator.WarpSize, plan.RowsPerWarp), x.RawF32,
            Vectors(s0.Weight), s0.Bias.RawBf16, s0.Output.RawF32, Vectors(s1.Weight), s1.Bias.RawBf16, s1.Output.RawF32,
            Vectors(s2.Weight), s2.Bias.RawBf16, s2.Output.RawF32, launch, partial, plan.RowsPerWarp, threads);
        if (plan.Splits > 1)
            Kernels.MatMul.LaunchGemvSplitSum(Runtime, checked(shapes.M * shapes.TotalN), partial, s0.Bias.RawBf16, s0.Output.RawF32,
                s1.Bias.RawBf16, s1.Output.RawF32, s2.Bias.RawBf16, s2.Output.RawF32, launch);
        return true;
    }

    /// <summary>The wide GEMV's group: 128 threads where allowed (4 warps of 32), else the largest declared size that fits.</summary>
    private int GemvWideThreads()
    {
        int limit = Accelerator.MaxNumThreadsPerGroup;
        return limit >= 128 ? 128 : limit >= 64 ? 64 : 16;
    }

    /// <summary>An owned bf16 buffer whose first element is 16-byte aligned (views hide their offset).</summary>
    private static bool Aligned16(IlgpuTensor weights)
        => weights.DType == DType.BF16 && !weights.IsView && Address(weights.RawBf16) % 16 == 0;

    /// <summary>bf16 weights viewed as 8-element vectors (K is a multiple of 8, so the length divides).</summary>
    private static ArrayView<Bf16x8> Vectors(IlgpuTensor weights) => ((ArrayView<ushort>)weights.RawBf16).Cast<Bf16x8>();

    /// <summary>The split GEMV's partial sums, grown on demand (a queued launch may still read the old buffer).</summary>
    private ArrayView<float> GemvScratch(long length)
    {
        if (_gemvScratch is null || _gemvScratch.Length < length)
        {
            ReleaseAfterQueuedWork(_gemvScratch);
            _gemvScratch = AllocateScratch<float>(Math.Max(length, 1 << 16));
        }
        return _gemvScratch.View.SubView(0, length);
    }
}
