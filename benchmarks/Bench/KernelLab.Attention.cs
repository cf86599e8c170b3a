// PruneVid.NET — kernel lab: fused attention.
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Compute;
using PruneVid.Kernels;
using PruneVid.Tools.Parity;

namespace PruneVid.Bench;

public static partial class KernelLab
{
    private static LabFamily AttentionFamily() => new("attention",
    [
        new("Attention.Tiled", 1e-5, ValidateAttention, MeasureAttention),
        new("Attention.DecodeSplit", 1e-5, ValidateDecode, MeasureDecode),
        FlashPrefillVariant(),
        FlashVisionVariant(),
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
        return TensorComparison.MaxAbsError(expected, ob.GetAsArray1D());
    }

    private static double ValidateDecode(KernelRuntime runtime, int threads)
    {
        // Two sequences with one new query each over 300 and 517 cached keys (chunks of 256: three splits), GQA 4:2.
        var shape = AttentionShape.Create(4, 2, 128);
        int[] cuQ = [0, 1, 2], cuK = [0, 300, 817];
        float[] q = Uniform(1, 2L * shape.Heads * shape.HeadDim);
        float[] k = Uniform(2, (long)cuK[^1] * shape.KvHeads * shape.HeadDim), v = Uniform(3, k.Length);
        float[] expected = new float[q.Length];
        Attention.Reference(q, k, v, expected, shape, cuQ, cuK, causal: true);
        using var qb = runtime.Accelerator.Allocate1D(q);
        using var kb = runtime.Accelerator.Allocate1D(k);
        using var vb = runtime.Accelerator.Allocate1D(v);
        using var ob = runtime.Accelerator.Allocate1D<float>(q.Length);
        using var cq = runtime.Accelerator.Allocate1D(cuQ);
        using var ck = runtime.Accelerator.Allocate1D(cuK);
        using var partial = runtime.Accelerator.Allocate1D<float>(DecodeScratchLength(shape, 2, 517));
        LaunchDecode(runtime, shape, 2, 517, qb.View, kb.View, vb.View, ob.View, cq.View, ck.View, partial.View, threads);
        runtime.Synchronize();
        return TensorComparison.MaxAbsError(expected, ob.GetAsArray1D());
    }

    private static KernelMeasurement MeasureDecode(KernelRuntime runtime, KernelBenchmarkContext context, int threads)
    {
        // GPU: one 7B layer's decode step over a 4096-token cache (28 heads, 4 kv heads, d = 128); CPU: 600 keys.
        bool gpu = runtime.IsCuda;
        int length = gpu ? 4096 : 600;
        var shape = gpu ? AttentionShape.Create(28, 4, 128) : AttentionShape.Create(4, 2, 64);
        using var q = runtime.Accelerator.Allocate1D<float>((long)shape.Heads * shape.HeadDim);
        using var kv = runtime.Accelerator.Allocate1D<float>((long)length * shape.KvHeads * shape.HeadDim);
        using var o = runtime.Accelerator.Allocate1D<float>(q.Length);
        using var cq = runtime.Accelerator.Allocate1D(new[] { 0, 1 });
        using var ck = runtime.Accelerator.Allocate1D(new[] { 0, length });
        using var partial = runtime.Accelerator.Allocate1D<float>(DecodeScratchLength(shape, 1, length));
        q.MemSetToZero();
        kv.MemSetToZero();
        long bytes = 4L * 2 * kv.Length; // the K and V caches are read once
        long flops = 4L * shape.Heads * shape.HeadDim * length;
        return context.Measure(runtime, $"decode 1 query × {length} keys heads={shape.Heads}/{shape.KvHeads} d={shape.HeadDim} threads={threads}",
            () => LaunchDecode(runtime, shape, 1, length, q.View, kv.View, kv.View, o.View, cq.View, ck.View, partial.View, threads), bytes, flops);
    }

    private static long DecodeScratchLength(AttentionShape shape, int sequences, int longest)
        => (long)sequences * shape.Heads * ((longest + Attention.MaxDecodeChunk - 1) / Attention.MaxDecodeChunk) * Attention.DecodePartialWidth(shape.HeadDim);

    private static void LaunchDecode(KernelRuntime runtime, AttentionShape shape, int sequences, int longest, ArrayView<float> q, ArrayView<float> k,
        ArrayView<float> v, ArrayView<float> o, ArrayView<int> cuQ, ArrayView<int> cuK, ArrayView<float> partial, int threads)
    {
        int chunk = Attention.MaxDecodeChunk, splits = (longest + chunk - 1) / chunk, items = sequences * shape.Heads;
        var p = new AttentionParams(shape.Heads, shape.KvHeads, shape.HeadDim, shape.Scale, 1);
        Attention.LaunchDecodeSplit(runtime, items * splits, q, k, v, partial, cuQ, cuK, p, chunk, splits, threads);
        Attention.LaunchDecodeCombine(runtime, items * shape.HeadDim, partial, o, cuQ, p, splits);
    }
}
