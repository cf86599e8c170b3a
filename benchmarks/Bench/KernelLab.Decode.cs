// PruneVid.NET — kernel lab: the decode step at bandwidth (wide GEMV, attention over a bf16 KV cache).
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Compute;
using PruneVid.Kernels;
using PruneVid.Tools.Parity;

namespace PruneVid.Bench;

public static partial class KernelLab
{
    /// <summary>HBM bandwidth of an H100 SXM (≈ 3.35 TB/s), the yardstick the decode lines are read against.</summary>
    private const double H100GigabytesPerSecond = 3350;

    /// <summary>
    /// The wide GEMV at the Qwen2.5-VL-7B decode shapes (the plan's rows per warp and K splits) and the split decode
    /// attention over bf16 and f32 caches of 2,048 tokens; every line is bandwidth-bound, so its GB/s is the figure
    /// to read against <see cref="H100GigabytesPerSecond"/>. The pairs GEMV line of the matmul family (gate, N 18,944)
    /// is the anchor of the gate line here.
    /// </summary>
    private static LabFamily DecodeFamily() => new("decode",
    [
        GemvWideCase("gate", 18944, 3584),
        GemvWideCase("k/v", 512, 3584),
        GemvWideCase("q/k/v", 4608, 3584),
        GemvWideCase("down", 3584, 18944),
        GemvWideCase("lm_head", 152064, 3584),
        new("Attention.DecodeSplitBf16", 1e-5, ValidateDecodeBf16, (rt, c, t) => MeasureDecodeCache(rt, c, t, DType.BF16)),
        new("Attention.DecodeSplit", 1e-5, ValidateDecode, (rt, c, t) => MeasureDecodeCache(rt, c, t, DType.F32)),
    ]);

    private static LabVariant GemvWideCase(string what, int n, int k) => new("MatMul.GemvWide", 1e-4, ValidateGemvWide,
        (rt, c, t) => MeasureGemvWide(rt, c, t, what, n, k), (rt, t) => t <= rt.Accelerator.MaxNumThreadsPerGroup && t >= rt.Accelerator.WarpSize);

    private static double ValidateGemvWide(KernelRuntime runtime, int threads)
    {
        // A decode shape with K = 8·33 (a lane of a 32-lane warp takes a second vector), N odd, split in 3.
        const int m = 2, n = 45, k = 264, splits = 3;
        float[] x = Uniform(1, (long)m * k);
        ushort[] w = UniformBf16(2, (long)n * k), bias = UniformBf16(3, n);
        float[] expected = new float[m * n];
        MatMul.Reference(x, w, bias, expected, m, n, k);
        using var wb = runtime.Accelerator.Allocate1D(w);
        using var bb = runtime.Accelerator.Allocate1D(bias);
        using var partial = runtime.Accelerator.Allocate1D<float>((long)splits * m * n);
        var launch = new GemvWideShape(new ProjectionShapes(m, k, n, 0, 0, 1), splits, 0);
        ArrayView<Bf16x8> vectors = ((ArrayView<ushort>)wb.View).Cast<Bf16x8>();
        return RunAndCompare(runtime, x, m * n, expected, (xv, yv) =>
        {
            MatMul.LaunchGemvWide(runtime, MatMul.GemvWideGroups(launch, threads, runtime.Accelerator.WarpSize, 4), xv,
                vectors, bb.View, yv, vectors, bb.View, yv, vectors, bb.View, yv, launch, partial.View, 4, threads);
            MatMul.LaunchGemvSplitSum(runtime, m * n, partial.View, bb.View, yv, bb.View, yv, bb.View, yv, launch);
        });
    }

    private static KernelMeasurement MeasureGemvWide(KernelRuntime runtime, KernelBenchmarkContext context, int threads, string what, int n, int k)
    {
        bool gpu = runtime.IsCuda;
        if (!gpu) (n, k) = (Math.Max(1, n / 256), Math.Max(256, k / 16 / 8 * 8)); // the CPU accelerator: a token shape
        GemvPlan plan = MatMul.PlanGemv(n, k, weightsAligned16: true);
        using var x = runtime.Accelerator.Allocate1D<float>(k);
        using var y = runtime.Accelerator.Allocate1D<float>(n);
        using var w = runtime.Accelerator.Allocate1D<ushort>((long)n * k);
        using var partial = runtime.Accelerator.Allocate1D<float>((long)plan.Splits * n);
        x.MemSetToZero();
        w.MemSetToZero();
        var launch = new GemvWideShape(new ProjectionShapes(1, k, n, 0, 0, 0), plan.Splits, 0);
        ArrayView<Bf16x8> vectors = ((ArrayView<ushort>)w.View).Cast<Bf16x8>();
        int groups = MatMul.GemvWideGroups(launch, threads, runtime.Accelerator.WarpSize, plan.RowsPerWarp);
        return context.Measure(runtime,
            $"GemvWide {what} M=1 N={n} K={k} rows/warp={plan.RowsPerWarp} splits={plan.Splits} threads={threads} (H100 HBM ≈ {H100GigabytesPerSecond:F0} GB/s)",
            () =>
            {
                MatMul.LaunchGemvWide(runtime, groups, x.View, vectors, w.View, y.View, vectors, w.View, y.View, vectors, w.View, y.View,
                    launch, partial.View, plan.RowsPerWarp, threads);
                if (plan.Splits > 1)
                    MatMul.LaunchGemvSplitSum(runtime, n, partial.View, w.View, y.View, w.View, y.View, w.View, y.View, launch);
            },
            bytesMoved: 2L * n * k + 4L * k + 4L * n * (2 * plan.Splits - 1), flops: 2L * n * k);
    }

    private static double ValidateDecodeBf16(KernelRuntime runtime, int threads)
    {
        // Two sequences with one new query each over 300 and 517 cached bf16 keys (three chunks of 256), GQA 4:2.
        var shape = AttentionShape.Create(4, 2, 128);
        int[] cuQ = [0, 1, 2], cuK = [0, 300, 817];
        float[] q = Uniform(1, 2L * shape.Heads * shape.HeadDim);
        ushort[] k = UniformBf16(2, (long)cuK[^1] * shape.KvHeads * shape.HeadDim), v = UniformBf16(3, k.Length);
        float[] expected = new float[q.Length];
        Attention.ReferenceBf16Kv(q, k, v, expected, shape, cuQ, cuK, causal: true);
        using var qb = runtime.Accelerator.Allocate1D(q);
        using var kb = runtime.Accelerator.Allocate1D(k);
        using var vb = runtime.Accelerator.Allocate1D(v);
        using var ob = runtime.Accelerator.Allocate1D<float>(q.Length);
        using var cq = runtime.Accelerator.Allocate1D(cuQ);
        using var ck = runtime.Accelerator.Allocate1D(cuK);
        using var partial = runtime.Accelerator.Allocate1D<float>(DecodeScratchLength(shape, 2, 517));
        LaunchDecodeBf16(runtime, shape, 2, 517, qb.View, kb.View, vb.View, ob.View, cq.View, ck.View, partial.View, threads);
        runtime.Synchronize();
        return TensorComparison.MaxAbsError(expected, ob.GetAsArray1D());
    }

    /// <summary>One 7B layer's decode step over a 2,048-token cache (28 heads, 4 kv heads, d = 128) in <paramref name="cache"/> rows; CPU: 600 keys.</summary>
    private static KernelMeasurement MeasureDecodeCache(KernelRuntime runtime, KernelBenchmarkContext context, int threads, DType cache)
    {
        bool gpu = runtime.IsCuda;
        int length = gpu ? 2048 : 600;
        var shape = gpu ? AttentionShape.Create(28, 4, 128) : AttentionShape.Create(4, 2, 64);
        long cached = (long)length * shape.KvHeads * shape.HeadDim;
        using var q = runtime.Accelerator.Allocate1D<float>((long)shape.Heads * shape.HeadDim);
        using var o = runtime.Accelerator.Allocate1D<float>(q.Length);
        using var cq = runtime.Accelerator.Allocate1D(new[] { 0, 1 });
        using var ck = runtime.Accelerator.Allocate1D(new[] { 0, length });
        using var partial = runtime.Accelerator.Allocate1D<float>(DecodeScratchLength(shape, 1, length));
        q.MemSetToZero();
        int wordBytes = cache == DType.BF16 ? 2 : 4;
        string label = $"decode {cache} cache 1 query × {length} keys heads={shape.Heads}/{shape.KvHeads} d={shape.HeadDim} threads={threads} (H100 HBM ≈ {H100GigabytesPerSecond:F0} GB/s)";
        long bytes = 2L * wordBytes * cached, flops = 4L * shape.Heads * shape.HeadDim * length; // K and V read once
        if (cache == DType.BF16)
        {
            using var kv = runtime.Accelerator.Allocate1D<ushort>(cached);
            kv.MemSetToZero();
            return context.Measure(runtime, label,
                () => LaunchDecodeBf16(runtime, shape, 1, length, q.View, kv.View, kv.View, o.View, cq.View, ck.View, partial.View, threads), bytes, flops);
        }
        using var kvF32 = runtime.Accelerator.Allocate1D<float>(cached);
        kvF32.MemSetToZero();
        return context.Measure(runtime, label,
            () => LaunchDecode(runtime, shape, 1, length, q.View, kvF32.View, kvF32.View, o.View, cq.View, ck.View, partial.View, threads), bytes, flops);
    }

    private static void LaunchDecodeBf16(KernelRuntime runtime, AttentionShape shape, int sequences, int longest, ArrayView<float> q, ArrayView<ushort> k,
        ArrayView<ushort> v, ArrayView<float> o, ArrayView<int> cuQ, ArrayView<int> cuK, ArrayView<float> partial, int threads)
    {
        int chunk = Attention.MaxDecodeChunk, splits = (longest + chunk - 1) / chunk, items = sequences * shape.Heads;
        var p = new AttentionParams(shape.Heads, shape.KvHeads, shape.HeadDim, shape.Scale, 1);
        Attention.LaunchDecodeSplitBf16(runtime, items * splits, q, k, v, partial, cuQ, cuK, p, chunk, splits, threads);
        Attention.LaunchDecodeCombine(runtime, items * shape.HeadDim, partial, o, cuQ, p, splits);
    }
}
