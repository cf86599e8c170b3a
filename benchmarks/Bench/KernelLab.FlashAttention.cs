// PruneVid.NET — kernel lab: flash attention on tensor cores (LLM prefill and vision windows).
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Compute;
using PruneVid.Kernels;
using PruneVid.Tools.Parity;

namespace PruneVid.Bench;

public static partial class KernelLab
{
    // bf16 q, k, v (the reference rounds them too) and bf16 softmax weights before P·V (the reference does not):
    // at most 2⁻⁹·max|v| apart, max|v| = 1 here; twice that.
    private const double FlashTolerance = 1.0 / 256;

    /// <summary>Flash attention runs where warps have 32 lanes (CUDA, or the 32-lane CPU accelerator).</summary>
    private static bool FlashFits(KernelRuntime runtime, int threads)
        => threads <= runtime.Accelerator.MaxNumThreadsPerGroup && runtime.Accelerator.WarpSize == 32;

    private static LabVariant FlashPrefillVariant() => new("Attention.Flash", FlashTolerance,
        (rt, t) => ValidateFlash(rt, t, AttentionShape.Create(4, 2, 128), [0, 37, 37, 70], [0, 45, 45, 70], causal: true),
        MeasureFlashPrefill, FlashFits);

    private static LabVariant FlashVisionVariant() => new("Attention.Flash", FlashTolerance,
        (rt, t) => ValidateFlash(rt, t, AttentionShape.Create(2, 2, 80), [0, 37, 101, 101, 150], [0, 37, 101, 101, 150], causal: false),
        MeasureFlashVision, FlashFits);

    /// <summary>Odd segments (none a multiple of a tile), an empty one; max |error| against the bf16 reference.</summary>
    private static double ValidateFlash(KernelRuntime runtime, int threads, AttentionShape shape, int[] cuQ, int[] cuK, bool causal)
    {
        float[] q = Uniform(1, (long)cuQ[^1] * shape.Heads * shape.HeadDim);
        float[] k = Uniform(2, (long)cuK[^1] * shape.KvHeads * shape.HeadDim), v = Uniform(3, k.Length);
        float[] expected = new float[q.Length];
        Attention.FlashReference(q, k, v, expected, shape, cuQ, cuK, causal);
        int[] blocks = Attention.FlashBlocks(cuQ, threads, shape.Heads / shape.KvHeads);
        using var qb = runtime.Accelerator.Allocate1D(q);
        using var kb = runtime.Accelerator.Allocate1D(k);
        using var vb = runtime.Accelerator.Allocate1D(v);
        using var ob = runtime.Accelerator.Allocate1D<float>(q.Length);
        using var cq = runtime.Accelerator.Allocate1D(cuQ);
        using var ck = runtime.Accelerator.Allocate1D(cuK);
        using var bl = runtime.Accelerator.Allocate1D(blocks);
        var p = new AttentionParams(shape.Heads, shape.KvHeads, shape.HeadDim, shape.Scale, causal ? 1 : 0);
        Attention.LaunchFlash(runtime, Attention.FlashGroups(blocks, shape.KvHeads), qb.View, kb.View, vb.View, ob.View, cq.View, ck.View, bl.View, p, threads, shape.HeadDim);
        runtime.Synchronize();
        return TensorComparison.MaxAbsError(expected, ob.GetAsArray1D());
    }

    private static KernelMeasurement MeasureFlashPrefill(KernelRuntime runtime, KernelBenchmarkContext context, int threads)
    {
        // GPU: one 7B layer's causal prefill of 2,076 tokens (28 heads, 4 kv heads, d = 128), as SDPA in gpu-check.sh.
        bool gpu = runtime.IsCuda;
        int length = gpu ? 2076 : 70;
        var shape = gpu ? AttentionShape.Create(28, 4, 128) : AttentionShape.Create(2, 1, 128);
        // Causal: about half of the L² score matrix, 2 FLOPs per multiply-add, for QKᵀ and PV.
        long flops = 4L * shape.Heads * shape.HeadDim * length * (length + 1) / 2;
        return MeasureFlash(runtime, context, threads, shape, [0, length], causal: true, flops,
            $"Flash causal L={length} heads={shape.Heads}/{shape.KvHeads} d={shape.HeadDim} threads={threads}");
    }

    private static KernelMeasurement MeasureFlashVision(KernelRuntime runtime, KernelBenchmarkContext context, int threads)
    {
        // GPU: a 7B vision-tower window layer over 8,192 patches — 128 windows of 64 patches (112 px / 14 px squared),
        // 16 heads of width 80, no mask. CPU accelerator: 2 windows, 2 heads.
        bool gpu = runtime.IsCuda;
        int windows = gpu ? 128 : 2;
        const int window = 64;
        var shape = AttentionShape.Create(gpu ? 16 : 2, gpu ? 16 : 2, 80);
        int[] cu = Enumerable.Range(0, windows + 1).Select(w => w * window).ToArray();
        long flops = 4L * shape.Heads * shape.HeadDim * window * window * windows;
        return MeasureFlash(runtime, context, threads, shape, cu, causal: false, flops,
            $"Flash vision windows={windows}x{window} heads={shape.Heads} d={shape.HeadDim} threads={threads}");
    }

    private static KernelMeasurement MeasureFlash(KernelRuntime runtime, KernelBenchmarkContext context, int threads, AttentionShape shape,
        int[] cu, bool causal, long flops, string label)
    {
        int length = cu[^1];
        int[] blocks = Attention.FlashBlocks(cu, threads, shape.Heads / shape.KvHeads);
        using var q = runtime.Accelerator.Allocate1D<float>((long)length * shape.Heads * shape.HeadDim);
        using var kv = runtime.Accelerator.Allocate1D<float>((long)length * shape.KvHeads * shape.HeadDim);
        using var o = runtime.Accelerator.Allocate1D<float>(q.Length);
        using var cuBuffer = runtime.Accelerator.Allocate1D(cu);
        using var blockBuffer = runtime.Accelerator.Allocate1D(blocks);
        q.MemSetToZero();
        kv.MemSetToZero();
        var p = new AttentionParams(shape.Heads, shape.KvHeads, shape.HeadDim, shape.Scale, causal ? 1 : 0);
        long bytes = 4L * (2 * q.Length + 2 * kv.Length);
        return context.Measure(runtime, label,
            () => Attention.LaunchFlash(runtime, Attention.FlashGroups(blocks, shape.KvHeads), q.View, kv.View, kv.View, o.View, cuBuffer.View, cuBuffer.View,
                blockBuffer.View, p, threads, shape.HeadDim),
            bytes, flops);
    }
}
