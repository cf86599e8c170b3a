// PruneVid.NET — kernel lab: fused attention.
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Compute;
using PruneVid.Kernels;

namespace PruneVid.Bench;

public static partial class KernelLab
{
    private static LabFamily AttentionFamily() => new("attention",
    [
        new("Attention.Tiled", 1e-5, ValidateAttention, MeasureAttention),
    ]);

    private static double ValidateAttention(KernelRuntime runtime, int threads)
    {
        // Uneven causal segments with cached keys, an empty one, GQA 4:2 at the LLM head width.
        var shape = AttentionShape.Create(4, 2, 128);
        int[] cuQ = [0, 21, 21, 40], cuK = [0, 30, 30, 49];
        float[] q = Uniform(1, (long)cuQ[^1] * shape.Heads * shape.HeadDim);
        float[] k = Uniform(2, (long)cuK[^1] * shape.KvHeads * shape.HeadDim), v = Uniform(3, k.Length);
        float[] expected = new float[q.Length];
        Attention.Reference(q, k, v, expected, shape, cuQ, cuK, causal: true);
        return RunAttention(runtime, shape, q, k, v, cuQ, cuK, causal: true, threads, expected);
    }

    private static KernelMeasurement MeasureAttention(KernelRuntime runtime, KernelBenchmarkContext context, int threads)
    {
        // GPU: one LLM layer's causal prefill over a 2076-token prompt (28 heads, 4 kv heads, d = 128).
        // CPU accelerator: 64 tokens, 4 heads.
        bool gpu = runtime.IsCuda;
        int length = gpu ? 2076 : 64;
        var shape = gpu ? AttentionShape.Create(28, 4, 128) : AttentionShape.Create(4, 2, 64);
        int[] cu = [0, length];
        int[] blocks = Attention.QueryBlocks(cu);
        using var q = runtime.Accelerator.Allocate1D<float>((long)length * shape.Heads * shape.HeadDim);
        using var kv = runtime.Accelerator.Allocate1D<float>((long)length * shape.KvHeads * shape.HeadDim);
        using var o = runtime.Accelerator.Allocate1D<float>(q.Length);
        using var cuBuffer = runtime.Accelerator.Allocate1D(cu);
        using var blockBuffer = runtime.Accelerator.Allocate1D(blocks);
        q.MemSetToZero();
        kv.MemSetToZero();
        var p = new AttentionParams(shape.Heads, shape.KvHeads, shape.HeadDim, shape.Scale, 1);
        // Causal: about half of the L² score matrix, 2 FLOPs per multiply-add, for QKᵀ and PV.
        long flops = 4L * shape.Heads * shape.HeadDim * length * (length + 1) / 2;
        long bytes = 4L * (2 * q.Length + 2 * kv.Length);
        return context.Measure(runtime, $"causal L={length} heads={shape.Heads}/{shape.KvHeads} d={shape.HeadDim} threads={threads}",
            () => Attention.LaunchTiled(runtime, blocks.Length / 2 * shape.Heads, q.View, kv.View, kv.View, o.View, cuBuffer.View, cuBuffer.View, blockBuffer.View, p, threads),
            bytes, flops);
    }

    private static double RunAttention(KernelRuntime runtime, AttentionShape shape, float[] q, float[] k, float[] v, int[] cuQ, int[] cuK,
        bool causal, int threads, float[] expected)
    {
        int[] blocks = Attention.QueryBlocks(cuQ);
        using var qb = runtime.Accelerator.Allocate1D(q);
        using var kb = runtime.Accelerator.Allocate1D(k);
        using var vb = runtime.Accelerator.Allocate1D(v);
        using var ob = runtime.Accelerator.Allocate1D<float>(q.Length);
        using var cq = runtime.Accelerator.Allocate1D(cuQ);
        using var ck = runtime.Accelerator.Allocate1D(cuK);
        using var bl = runtime.Accelerator.Allocate1D(blocks);
        var p = new AttentionParams(shape.Heads, shape.KvHeads, shape.HeadDim, shape.Scale, causal ? 1 : 0);
        Attention.LaunchTiled(runtime, blocks.Length / 2 * shape.Heads, qb.View, kb.View, vb.View, ob.View, cq.View, ck.View, bl.View, p, threads);
        runtime.Synchronize();
        return MaxAbsError(expected, ob.GetAsArray1D());
    }
}
