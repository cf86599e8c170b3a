// PruneVid.NET — Cpu backend: blocked (flash-style) attention over segments, GQA, optional causal mask.
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
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

    /// <summary>Query vectors that share each key and value load.</summary>
    private const int Quad = 4;

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

        float** qs = stackalloc float*[Quad];
        float* rescale = stackalloc float[Quad];
        for (int j0 = 0; j0 < lastVisible; j0 += KeyBlock)
        {
            int keys = Math.Min(KeyBlock, lastVisible - j0);
            Transpose(k + (long)(k0 + j0) * kStride + kvHead * d, kStride, keys, d, kt);
            // Four query vectors at a time share each load of the transposed keys and of the values.
            for (int r4 = 0; r4 < count; r4 += Quad)
            {
                int vectors = Math.Min(Quad, count - r4), longest = 0;
                for (int i = 0; i < Quad; i++)
                {
                    int r = r4 + Math.Min(i, vectors - 1), row = r0 + r / group, head = kvHead * group + r % group;
                    qs[i] = q + (long)row * qStride + head * d;
                }
                Scores4(qs[0], qs[1], qs[2], qs[3], kt, d, scores + r4 * KeyBlock);
                for (int i = 0; i < vectors; i++)
                {
                    int r = r4 + i, seen = Math.Clamp(visible[r] - j0, 0, keys);
                    float* sr = scores + r * KeyBlock;
                    rescale[i] = 1f; // a vector that sees none of this block keeps its state: weights 0, scale 1
                    if (seen > 0)
                    {
                        var span = new Span<float>(sr, seen);
                        TensorPrimitives.Multiply(span, shape.Scale, span);
                        float blockMax = TensorPrimitives.Max(span), newMax = MathF.Max(max[r], blockMax);
                        TensorPrimitives.Subtract(span, newMax, span);
                        TensorPrimitives.Exp(span, span);
                        rescale[i] = MathF.Exp(max[r] - newMax); // 0 on the first block (max was −∞)
                        sum[r] = sum[r] * rescale[i] + TensorPrimitives.Sum(span);
                        max[r] = newMax;
                    }
                    new Span<float>(sr + seen, keys - seen).Clear(); // keys it does not see weigh 0
                    longest = Math.Max(longest, seen);
                }
                AddWeightedValues(acc + r4 * d, rescale, scores + r4 * KeyBlock, vectors, longest, v + (long)(k0 + j0) * kStride + kvHead * d, kStride, d);
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

    /// <summary>
    /// kt[c, j] = k[j, c] for <paramref name="keys"/> keys; columns past them are zero. Whole groups of 16 keys go
    /// through 16×16 register transposes (a decode step re-transposes the whole cache for only a few query vectors,
    /// so one element at a time cost more than the scores themselves); the rest one element at a time.
    /// </summary>
    private static void Transpose(float* k, int kStride, int keys, int d, float* kt)
    {
        int j = 0;
        if (Avx512F.IsSupported)
            for (; j + 16 <= keys; j += 16)
                for (int c = 0; c < d; c += 16) Transpose16(k + (long)j * kStride + c, kStride, kt + c * KeyBlock + j);
        for (; j < keys; j++)
        {
            float* row = k + (long)j * kStride;
            for (int c = 0; c < d; c++) kt[c * KeyBlock + j] = row[c];
        }
        if (keys < KeyBlock)
            for (int c = 0; c < d; c++) new Span<float>(kt + c * KeyBlock + keys, KeyBlock - keys).Clear();
    }

    /// <summary>
    /// dst[c · KeyBlock + i] = src[i · stride + c] for a 16×16 tile: 32-bit then 64-bit interleaves within 128-bit
    /// lanes, then two rounds of lane shuffles. After the interleaves u[4g + q] holds, in lane l, column 4l + q of rows
    /// 4g..4g+3; the shuffles gather the four lanes l of a column from the four row groups.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose16(float* src, int stride, float* dst)
    {
        var (u0, u1, u2, u3) = Interleave(src, stride);
        var (u4, u5, u6, u7) = Interleave(src + 4L * stride, stride);
        var (u8, u9, u10, u11) = Interleave(src + 8L * stride, stride);
        var (u12, u13, u14, u15) = Interleave(src + 12L * stride, stride);
        Gather(u0, u4, u8, u12, dst);
        Gather(u1, u5, u9, u13, dst + KeyBlock);
        Gather(u2, u6, u10, u14, dst + 2 * KeyBlock);
        Gather(u3, u7, u11, u15, dst + 3 * KeyBlock);
    }

    /// <summary>Rows r..r+3: the q-th result holds, in lane l, column 4l + q of the four rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float>, Vector512<float>, Vector512<float>, Vector512<float>) Interleave(float* r, int stride)
    {
        Vector512<float> r0 = Vector512.Load(r), r1 = Vector512.Load(r + stride), r2 = Vector512.Load(r + 2L * stride), r3 = Vector512.Load(r + 3L * stride);
        Vector512<double> t0 = Avx512F.UnpackLow(r0, r1).AsDouble(), t1 = Avx512F.UnpackHigh(r0, r1).AsDouble();
        Vector512<double> t2 = Avx512F.UnpackLow(r2, r3).AsDouble(), t3 = Avx512F.UnpackHigh(r2, r3).AsDouble();
        return (Avx512F.UnpackLow(t0, t2).AsSingle(), Avx512F.UnpackHigh(t0, t2).AsSingle(),
            Avx512F.UnpackLow(t1, t3).AsSingle(), Avx512F.UnpackHigh(t1, t3).AsSingle());
    }

    /// <summary>
    /// Columns q, 4 + q, 8 + q and 12 + q (dst rows 0, 4, 8, 12) from the q-th interleave of row groups 0–3: lanes
    /// (0, 2) and (1, 3) of groups 0–1 and 2–3, then whole columns.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Gather(Vector512<float> g0, Vector512<float> g1, Vector512<float> g2, Vector512<float> g3, float* dst)
    {
        Vector512<float> v = Avx512F.Shuffle4x128(g0, g1, 0x88), vOdd = Avx512F.Shuffle4x128(g0, g1, 0xDD);
        Vector512<float> w = Avx512F.Shuffle4x128(g2, g3, 0x88), wOdd = Avx512F.Shuffle4x128(g2, g3, 0xDD);
        Avx512F.Shuffle4x128(v, w, 0x88).Store(dst);
        Avx512F.Shuffle4x128(vOdd, wOdd, 0x88).Store(dst + 4 * KeyBlock);
        Avx512F.Shuffle4x128(v, w, 0xDD).Store(dst + 8 * KeyBlock);
        Avx512F.Shuffle4x128(vOdd, wOdd, 0xDD).Store(dst + 12 * KeyBlock);
    }

    /// <summary>
    /// s[i][0..64) = q_i · kt for four query vectors: per head-dim element, four loads of kt and four broadcasts feed
    /// sixteen FMAs (one query alone was load-bound). Past the last query vector callers repeat it; those rows land
    /// in the scratch's padding.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scores4(float* q0, float* q1, float* q2, float* q3, float* kt, int d, float* s)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default;
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default;
        Vector512<float> e0 = default, e1 = default, e2 = default, e3 = default;
        for (int c = 0; c < d; c++, kt += KeyBlock)
        {
            Vector512<float> k0 = Vector512.Load(kt), k1 = Vector512.Load(kt + 16), k2 = Vector512.Load(kt + 32), k3 = Vector512.Load(kt + 48);
            var x = Vector512.Create(q0[c]);
            a0 = Vector512.FusedMultiplyAdd(x, k0, a0); a1 = Vector512.FusedMultiplyAdd(x, k1, a1); a2 = Vector512.FusedMultiplyAdd(x, k2, a2); a3 = Vector512.FusedMultiplyAdd(x, k3, a3);
            x = Vector512.Create(q1[c]);
            b0 = Vector512.FusedMultiplyAdd(x, k0, b0); b1 = Vector512.FusedMultiplyAdd(x, k1, b1); b2 = Vector512.FusedMultiplyAdd(x, k2, b2); b3 = Vector512.FusedMultiplyAdd(x, k3, b3);
            x = Vector512.Create(q2[c]);
            c0 = Vector512.FusedMultiplyAdd(x, k0, c0); c1 = Vector512.FusedMultiplyAdd(x, k1, c1); c2 = Vector512.FusedMultiplyAdd(x, k2, c2); c3 = Vector512.FusedMultiplyAdd(x, k3, c3);
            x = Vector512.Create(q3[c]);
            e0 = Vector512.FusedMultiplyAdd(x, k0, e0); e1 = Vector512.FusedMultiplyAdd(x, k1, e1); e2 = Vector512.FusedMultiplyAdd(x, k2, e2); e3 = Vector512.FusedMultiplyAdd(x, k3, e3);
        }
        e0.Store(s + 3 * KeyBlock); e1.Store(s + 3 * KeyBlock + 16); e2.Store(s + 3 * KeyBlock + 32); e3.Store(s + 3 * KeyBlock + 48);
        c0.Store(s + 2 * KeyBlock); c1.Store(s + 2 * KeyBlock + 16); c2.Store(s + 2 * KeyBlock + 32); c3.Store(s + 2 * KeyBlock + 48);
        b0.Store(s + KeyBlock); b1.Store(s + KeyBlock + 16); b2.Store(s + KeyBlock + 32); b3.Store(s + KeyBlock + 48);
        a0.Store(s); a1.Store(s + 16); a2.Store(s + 32); a3.Store(s + 48);
    }

    /// <summary>
    /// For each of <paramref name="vectors"/> (≤ 4) query vectors i: o_i = o_i·rescale_i + Σ_j p_i[j]·v[j] over the
    /// first <paramref name="keys"/> keys of the block (weights past what a vector sees are 0). d is a multiple of 16;
    /// 64 columns at a time, each value load feeds every vector.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddWeightedValues(float* o, float* rescale, float* p, int vectors, int keys, float* v, int vStride, int d)
    {
        for (int c = 0; c < d; c += 64)
        {
            if (d - c >= 64 && vectors == Quad) Values4x64(o + c, d, rescale, p, keys, v + c, vStride);
            else
                for (int i = 0; i < vectors; i++) Values1(o + i * d + c, rescale[i], p + i * KeyBlock, keys, v + c, vStride, Math.Min(64, d - c));
        }
    }

    /// <summary>Four vectors × 64 columns in sixteen accumulators: per key, four value loads and four broadcasts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Values4x64(float* o, int d, float* rescale, float* p, int keys, float* v, int vStride)
    {
        float* o1 = o + d, o2 = o1 + d, o3 = o2 + d;
        float* p1 = p + KeyBlock, p2 = p1 + KeyBlock, p3 = p2 + KeyBlock;
        Vector512<float> s0 = Vector512.Create(rescale[0]), s1 = Vector512.Create(rescale[1]), s2 = Vector512.Create(rescale[2]), s3 = Vector512.Create(rescale[3]);
        Vector512<float> a0 = Vector512.Load(o) * s0, a1 = Vector512.Load(o + 16) * s0, a2 = Vector512.Load(o + 32) * s0, a3 = Vector512.Load(o + 48) * s0;
        Vector512<float> b0 = Vector512.Load(o1) * s1, b1 = Vector512.Load(o1 + 16) * s1, b2 = Vector512.Load(o1 + 32) * s1, b3 = Vector512.Load(o1 + 48) * s1;
        Vector512<float> c0 = Vector512.Load(o2) * s2, c1 = Vector512.Load(o2 + 16) * s2, c2 = Vector512.Load(o2 + 32) * s2, c3 = Vector512.Load(o2 + 48) * s2;
        Vector512<float> e0 = Vector512.Load(o3) * s3, e1 = Vector512.Load(o3 + 16) * s3, e2 = Vector512.Load(o3 + 32) * s3, e3 = Vector512.Load(o3 + 48) * s3;
        for (int j = 0; j < keys; j++, v += vStride)
        {
            Vector512<float> v0 = Vector512.Load(v), v1 = Vector512.Load(v + 16), v2 = Vector512.Load(v + 32), v3 = Vector512.Load(v + 48);
            var w = Vector512.Create(p[j]);
            a0 = Vector512.FusedMultiplyAdd(w, v0, a0); a1 = Vector512.FusedMultiplyAdd(w, v1, a1); a2 = Vector512.FusedMultiplyAdd(w, v2, a2); a3 = Vector512.FusedMultiplyAdd(w, v3, a3);
            w = Vector512.Create(p1[j]);
            b0 = Vector512.FusedMultiplyAdd(w, v0, b0); b1 = Vector512.FusedMultiplyAdd(w, v1, b1); b2 = Vector512.FusedMultiplyAdd(w, v2, b2); b3 = Vector512.FusedMultiplyAdd(w, v3, b3);
            w = Vector512.Create(p2[j]);
            c0 = Vector512.FusedMultiplyAdd(w, v0, c0); c1 = Vector512.FusedMultiplyAdd(w, v1, c1); c2 = Vector512.FusedMultiplyAdd(w, v2, c2); c3 = Vector512.FusedMultiplyAdd(w, v3, c3);
            w = Vector512.Create(p3[j]);
            e0 = Vector512.FusedMultiplyAdd(w, v0, e0); e1 = Vector512.FusedMultiplyAdd(w, v1, e1); e2 = Vector512.FusedMultiplyAdd(w, v2, e2); e3 = Vector512.FusedMultiplyAdd(w, v3, e3);
        }
        a0.Store(o); a1.Store(o + 16); a2.Store(o + 32); a3.Store(o + 48);
        b0.Store(o1); b1.Store(o1 + 16); b2.Store(o1 + 32); b3.Store(o1 + 48);
        c0.Store(o2); c1.Store(o2 + 16); c2.Store(o2 + 32); c3.Store(o2 + 48);
        e0.Store(o3); e1.Store(o3 + 16); e2.Store(o3 + 32); e3.Store(o3 + 48);
    }

    /// <summary>One vector, <paramref name="width"/> (16–64) columns: the remainder of <see cref="Values4x64"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Values1(float* o, float rescale, float* p, int keys, float* v, int vStride, int width)
    {
        var scale = Vector512.Create(rescale);
        Vector512<float> a0 = Vector512.Load(o) * scale;
        Vector512<float> a1 = width > 16 ? Vector512.Load(o + 16) * scale : default;
        Vector512<float> a2 = width > 32 ? Vector512.Load(o + 32) * scale : default;
        Vector512<float> a3 = width > 48 ? Vector512.Load(o + 48) * scale : default;
        for (int j = 0; j < keys; j++, v += vStride)
        {
            var w = Vector512.Create(p[j]);
            a0 = Vector512.FusedMultiplyAdd(w, Vector512.Load(v), a0);
            if (width > 16) a1 = Vector512.FusedMultiplyAdd(w, Vector512.Load(v + 16), a1);
            if (width > 32) a2 = Vector512.FusedMultiplyAdd(w, Vector512.Load(v + 32), a2);
            if (width > 48) a3 = Vector512.FusedMultiplyAdd(w, Vector512.Load(v + 48), a3);
        }
        a0.Store(o);
        if (width > 16) a1.Store(o + 16);
        if (width > 32) a2.Store(o + 32);
        if (width > 48) a3.Store(o + 48);
    }

    /// <summary>A task's buffers in the running thread's reused scratch: transposed keys, scores, running outputs, maxima, sums, visible counts.</summary>
    private readonly struct Scratch
    {
        public Scratch(int vectors, int d)
        {
            // Scores get Quad − 1 rows of padding: the last group of four may run past the last query vector.
            long floats = (long)d * KeyBlock + (long)(vectors + Quad - 1) * KeyBlock + (long)vectors * d + 3L * vectors;
            Keys = CpuScratch.Floats(ref t_scratch, floats);
            Scores = Keys + d * KeyBlock;
            Output = Scores + (vectors + Quad - 1) * KeyBlock;
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
