// PruneVid.NET — Cpu backend: blocked (flash-style) attention over segments, GQA, optional causal mask.
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using PruneVid.Compute;

namespace PruneVid.Kernels.Cpu;

/// <summary>
/// Attention without a score matrix: a task owns one (segment, kv head, block of <see cref="QueryRows"/> query
/// rows) and every query head that reads that kv head (GQA: their queries share each key and value load). Keys are
/// walked in blocks of <see cref="KeyBlock"/>: the block of k is transposed once (head dim × keys) so scores are
/// broadcast-FMAs over 16 keys at a time, then an online softmax rescales each query's running output and adds
/// P·V. Prefill (causal, many rows), decode (one row, long cache) and the vision tower's windows (many short
/// segments) are the same code. The tasks are the indices of one <see cref="CpuWorkers"/> loop, and each thread's
/// buffers are reused from call to call. Oracle: <see cref="Attention.Reference"/>.
/// </summary>
internal static unsafe class CpuAttention
{
    /// <summary>Query rows per task (times the query heads of one kv head).</summary>
    private const int QueryRows = 16;

    /// <summary>Keys per block: 4 vectors of scores per query.</summary>
    private const int KeyBlock = 64;

    /// <summary>The head widths the kernel handles: whole vectors (Qwen2.5-VL uses 128 in the LLM, 80 in the vision tower).</summary>
    public static bool Supports(int headDim) => Vector512.IsHardwareAccelerated && headDim % 16 == 0 && headDim <= 256;

    public static void Run(float* q, float* k, float* v, float* output, AttentionShape shape, int[] cuQ, int[] cuK, bool causal)
    {
        // Tasks are numbered (segment, query block, kv head) in that order, one CpuWorkers index each, so the pool
        // balances them; firstBlock[s] is segment s's first query block, which is all a task needs to find its own.
        int segments = cuQ.Length - 1;
        int[] firstBlock = t_firstBlock is { } f && f.Length >= segments + 1 ? f : t_firstBlock = new int[segments + 1];
        firstBlock[0] = 0;
        for (int s = 0; s < segments; s++) firstBlock[s + 1] = firstBlock[s] + (cuQ[s + 1] - cuQ[s] + QueryRows - 1) / QueryRows;
        CpuWorkers.For(firstBlock[segments] * shape.KvHeads, new Tasks(q, k, v, output, shape, cuQ, cuK, firstBlock, causal));
    }

    [ThreadStatic] private static int[]? t_firstBlock;
    [ThreadStatic] private static float[]? t_scratch;

    /// <summary>One (segment, query block, kv head) per index, with the running thread's reused scratch.</summary>
    private readonly struct Tasks(float* q, float* k, float* v, float* output, AttentionShape shape, int[] cuQ, int[] cuK, int[] firstBlock, bool causal) : ICpuLoop
    {
        private readonly nint _q = (nint)q, _k = (nint)k, _v = (nint)v, _output = (nint)output;

        public void Run(int index)
        {
            int group = shape.Heads / shape.KvHeads, block = index / shape.KvHeads, kvHead = index % shape.KvHeads;
            int s = SegmentOf(block);
            int r0 = cuQ[s] + (block - firstBlock[s]) * QueryRows, rows = Math.Min(QueryRows, cuQ[s + 1] - r0);
            Block((float*)_q, (float*)_k, (float*)_v, (float*)_output, shape, group, cuQ[s], cuQ[s + 1] - cuQ[s], cuK[s], cuK[s + 1] - cuK[s],
                kvHead, r0, rows, causal, new Scratch(QueryRows * group, shape.HeadDim));
        }

        /// <summary>The last segment that starts at or before <paramref name="block"/>: the one holding it (empty segments start where the next one does).</summary>
        private int SegmentOf(int block)
        {
            int low = 0, high = cuQ.Length - 2;
            while (low < high)
            {
                int mid = (low + high + 1) / 2;
                if (firstBlock[mid] <= block) low = mid;
                else high = mid - 1;
            }
            return low;
        }
    }

    private static void Block(float* q, float* k, float* v, float* output, AttentionShape shape, int group,
        int q0, int lq, int k0, int lk, int kvHead, int r0, int rows, bool causal, Scratch scratch)
    {
        int d = shape.HeadDim, qStride = shape.Heads * d, kStride = shape.KvHeads * d, count = rows * group;
        float* kt = scratch.Keys, scores = scratch.Scores, acc = scratch.Output, max = scratch.Max, sum = scratch.Sum;
        int* visible = scratch.Visible;
        // Query vector r is (row r / group, head kvHead·group + r % group); it sees keys [0, visible[r]).
        for (int r = 0; r < count; r++)
        {
            int row = r0 + r / group;
            visible[r] = causal ? row - q0 + (lk - lq) + 1 : lk;
            max[r] = float.NegativeInfinity;
            sum[r] = 0f;
        }
        new Span<float>(acc, count * d).Clear();
        int lastVisible = visible[count - 1]; // rows grow down the block, so the last sees the most

        for (int j0 = 0; j0 < lastVisible; j0 += KeyBlock)
        {
            int keys = Math.Min(KeyBlock, lastVisible - j0);
            Transpose(k + (long)(k0 + j0) * kStride + kvHead * d, kStride, keys, d, kt);
            for (int r = 0; r < count; r++)
            {
                int seen = Math.Min(visible[r] - j0, keys);
                if (seen <= 0) continue;
                int row = r0 + r / group, head = kvHead * group + r % group;
                float* s = scores + r * KeyBlock;
                Scores(q + (long)row * qStride + head * d, kt, d, s);
                var span = new Span<float>(s, seen);
                TensorPrimitives.Multiply(span, shape.Scale, span);
                float blockMax = TensorPrimitives.Max(span), newMax = MathF.Max(max[r], blockMax);
                TensorPrimitives.Subtract(span, newMax, span);
                TensorPrimitives.Exp(span, span);
                float rescale = MathF.Exp(max[r] - newMax); // 0 on the first block (max was −∞)
                sum[r] = sum[r] * rescale + TensorPrimitives.Sum(span);
                max[r] = newMax;
                AddWeightedValues(acc + r * d, rescale, s, seen, v + (long)(k0 + j0) * kStride + kvHead * d, kStride, d);
            }
        }

        for (int r = 0; r < count; r++)
        {
            int row = r0 + r / group, head = kvHead * group + r % group;
            var o = new Span<float>(output + (long)row * qStride + head * d, d);
            if (sum[r] > 0f) TensorPrimitives.Multiply(new ReadOnlySpan<float>(acc + r * d, d), 1f / sum[r], o);
            else o.Clear();
        }
    }

    /// <summary>kt[c, j] = k[j, c] for <paramref name="keys"/> keys; columns past them are zero.</summary>
    private static void Transpose(float* k, int kStride, int keys, int d, float* kt)
    {
        for (int j = 0; j < keys; j++)
        {
            float* row = k + (long)j * kStride;
            for (int c = 0; c < d; c++) kt[c * KeyBlock + j] = row[c];
        }
        if (keys < KeyBlock)
            for (int c = 0; c < d; c++) new Span<float>(kt + c * KeyBlock + keys, KeyBlock - keys).Clear();
    }

    /// <summary>s[0..64) = q · kt: one broadcast of q per head-dim element, four FMAs over 64 keys.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scores(float* q, float* kt, int d, float* s)
    {
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
        for (int c = 0; c < d; c++, kt += KeyBlock)
        {
            var x = Vector512.Create(q[c]);
            s0 = Vector512.FusedMultiplyAdd(x, Vector512.Load(kt), s0);
            s1 = Vector512.FusedMultiplyAdd(x, Vector512.Load(kt + 16), s1);
            s2 = Vector512.FusedMultiplyAdd(x, Vector512.Load(kt + 32), s2);
            s3 = Vector512.FusedMultiplyAdd(x, Vector512.Load(kt + 48), s3);
        }
        s0.Store(s); s1.Store(s + 16); s2.Store(s + 32); s3.Store(s + 48);
    }

    /// <summary>o = o·rescale + Σ_j p[j]·v[j] over the block's keys (d a multiple of 16).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddWeightedValues(float* o, float rescale, float* p, int keys, float* v, int vStride, int d)
    {
        var scale = Vector512.Create(rescale);
        for (int c = 0; c < d; c += 64)
        {
            int width = Math.Min(64, d - c); // 16, 32, 48 or 64 values: up to four accumulators
            Vector512<float> a0 = Vector512.Load(o + c) * scale;
            Vector512<float> a1 = width > 16 ? Vector512.Load(o + c + 16) * scale : default;
            Vector512<float> a2 = width > 32 ? Vector512.Load(o + c + 32) * scale : default;
            Vector512<float> a3 = width > 48 ? Vector512.Load(o + c + 48) * scale : default;
            float* vc = v + c;
            for (int j = 0; j < keys; j++, vc += vStride)
            {
                var w = Vector512.Create(p[j]);
                a0 = Vector512.FusedMultiplyAdd(w, Vector512.Load(vc), a0);
                if (width > 16) a1 = Vector512.FusedMultiplyAdd(w, Vector512.Load(vc + 16), a1);
                if (width > 32) a2 = Vector512.FusedMultiplyAdd(w, Vector512.Load(vc + 32), a2);
                if (width > 48) a3 = Vector512.FusedMultiplyAdd(w, Vector512.Load(vc + 48), a3);
            }
            a0.Store(o + c);
            if (width > 16) a1.Store(o + c + 16);
            if (width > 32) a2.Store(o + c + 32);
            if (width > 48) a3.Store(o + c + 48);
        }
    }

    /// <summary>A task's buffers in the running thread's reused scratch: transposed keys, scores, running outputs, maxima, sums, visible counts.</summary>
    private readonly struct Scratch
    {
        public Scratch(int vectors, int d)
        {
            long floats = (long)d * KeyBlock + (long)vectors * KeyBlock + (long)vectors * d + 3L * vectors;
            Keys = CpuScratch.Floats(ref t_scratch, floats);
            Scores = Keys + d * KeyBlock;
            Output = Scores + vectors * KeyBlock;
            Max = Output + vectors * d;
            Sum = Max + vectors;
            Visible = (int*)(Sum + vectors);
        }

        public float* Keys { get; }
        public float* Scores { get; }
        public float* Output { get; }
        public float* Max { get; }
        public float* Sum { get; }
        public int* Visible { get; }
    }
}
