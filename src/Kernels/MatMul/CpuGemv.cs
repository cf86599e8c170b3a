// PruneVid.NET — Cpu backend: GEMV y = x · wᵀ (+ bias) for a few rows of x (the decode path), bandwidth-bound.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using PruneVid.Compute;

namespace PruneVid.Kernels.Cpu;

/// <summary>
/// Streams every weight once per call, for one or several targets that read the same x (a layer's q, k and v). The
/// rows of all targets are cut into chunks of about 512 KB of weights, the indices of one <see cref="CpuWorkers"/>
/// loop, which its threads take one after another, so a core slowed by other work simply takes fewer. A core reads
/// four rows side by side in 64-byte steps (eight independent FMA chains to cover the FMA latency, x loaded once for
/// four rows) and prefetches each row's stream 1 KB ahead, into the next group's rows near a row's end; for several
/// rows of bf16 x it widens each weight step once for up to four x rows (<see cref="PairBf16{TRows}"/>), with every
/// row's result bit for bit the one it gets alone. bf16 words are widened
/// without shuffles: a 32-bit load holds two words, <c>u &lt;&lt; 16</c> is the even one and <c>u &amp; 0xFFFF0000</c>
/// the odd one, so x is split once per call into its even and odd elements (into a per-thread buffer that is reused,
/// so a call allocates no arrays) and each step is one load, a shift, an and and two FMAs. See docs/cpu-backend.md.
/// Oracle: <see cref="MatMul.Reference(ReadOnlySpan{float}, ReadOnlySpan{ushort}, ReadOnlySpan{ushort}, Span{float}, int, int, int)"/>.
/// </summary>
internal static unsafe class CpuGemv
{
    private const int Step = 32;              // bf16 weights per 64-byte step
    private const int Group = 4;              // weight rows read side by side
    private const int XBlock = 4;             // x rows served by one widening of a weight step (several x rows)
    private const long SerialWork = 1 << 16;  // below this many weights one thread is faster than waking the others
    private const int ChunkBytes = 512 << 10; // weights a worker takes at a time: long streams, few hand-overs
    private const int ChunksPerWorker = 4;    // but at least this many chunks per core, so a slowed core takes fewer
    private const int PrefetchBytes = 1024;   // how far ahead of each weight stream (best of 512 B to 2 KB, measured)

    [ThreadStatic] private static float[]? t_split;

    /// <summary>y[M,N] = x[M,K] · wᵀ + bias (bias: N f32 values or null); with <paramref name="accumulate"/>, y += that.</summary>
    public static void Run(float* x, CpuWeights w, float* bias, float* y, int m, bool accumulate = false)
    {
        var target = new GemvTarget(w, bias, y);
        Run(x, new ReadOnlySpan<GemvTarget>(&target, 1), m, accumulate);
    }

    /// <summary>
    /// Every target's y = x · wᵀ + bias (or y += that) in one pass: x is split once, and the cores share the
    /// concatenated rows of all targets. The weights must share one dtype and K.
    /// </summary>
    public static void Run(float* x, ReadOnlySpan<GemvTarget> targets, int m, bool accumulate = false)
    {
        if (targets.IsEmpty) return;
        DType dtype = targets[0].Weights.DType;
        int k = targets[0].Weights.Columns;
        long rows = 0;
        foreach (GemvTarget t in targets)
        {
            if (t.Weights.DType != dtype || t.Weights.Columns != k)
                throw new ArgumentException($"CpuGemv: every target must have {dtype} weights with {k} columns; one has {t.Weights.DType} with {t.Weights.Columns}", nameof(targets));
            rows += t.Weights.Rows;
        }
        bool bf16 = dtype == DType.BF16;
        int elementSize = bf16 ? sizeof(ushort) : sizeof(float);
        int workers = rows * k < SerialWork ? 1 : CpuWorkers.Workers;
        int chunkRows = ChunkRowsFor(rows, k * elementSize, workers);
        int chunks = 0;
        foreach (GemvTarget t in targets) chunks += (t.Weights.Rows + chunkRows - 1) / chunkRows;
        int vectorK = bf16 ? k / Step * Step : k / 16 * 16;
        float* split = bf16 ? Split(x, m, k, vectorK) : null;
        fixed (GemvTarget* pt = targets)
        {
            var job = new Job(x, split, pt, targets.Length, chunkRows, m, vectorK, accumulate);
            if (workers == 1) for (int c = 0; c < chunks; c++) job.Run(c);
            else CpuWorkers.For(chunks, job);
        }
    }

    /// <summary>Rows per chunk: about <see cref="ChunkBytes"/> of weights, fewer when that leaves a core under <see cref="ChunksPerWorker"/> chunks; a multiple of the group.</summary>
    private static int ChunkRowsFor(long rows, int rowBytes, int workers)
    {
        long bySize = Math.Max(1, ChunkBytes / rowBytes), byCount = (rows + (long)workers * ChunksPerWorker - 1) / ((long)workers * ChunksPerWorker);
        long chunk = Math.Min(bySize, byCount);
        return (int)Math.Max(Group, (chunk + Group - 1) / Group * Group);
    }

    /// <summary>The even and odd elements of each x row, [m][2][vectorK/2], in the calling thread's reused, 64-byte aligned buffer.</summary>
    private static float* Split(float* x, int m, int k, int vectorK)
    {
        float* split = CpuScratch.Floats(ref t_split, (long)m * vectorK);
        int half = vectorK / 2;
        for (int i = 0; i < m; i++)
        {
            float* row = x + (long)i * k, even = split + (long)i * vectorK;
            for (int j = 0; j < half; j++)
            {
                even[j] = row[2 * j];
                even[half + j] = row[2 * j + 1];
            }
        }
        return split;
    }

    /// <summary>One pass's operands; <see cref="Run"/> computes one chunk of rows.</summary>
    private readonly struct Job(float* x, float* split, GemvTarget* targets, int count, int chunkRows, int m, int vectorK, bool accumulate) : ICpuLoop
    {
        private readonly nint _x = (nint)x, _split = (nint)split, _targets = (nint)targets;

        public void Run(int chunk)
        {
            // Chunks are numbered through the targets in order: find the one this chunk falls in.
            GemvTarget* t = (GemvTarget*)_targets;
            int first = chunk;
            for (int i = 0; i < count; i++, t++)
            {
                int own = (t->Weights.Rows + chunkRows - 1) / chunkRows;
                if (first < own) break;
                first -= own;
            }
            int r0 = first * chunkRows;
            Rows(*t, r0, Math.Min(t->Weights.Rows, r0 + chunkRows));
        }

        private void Rows(GemvTarget target, int r0, int r1)
        {
            CpuWeights w = target.Weights;
            int n = w.Rows, k = w.Columns;
            float* dots = stackalloc float[Group]; // one group's dot products, before the epilogue
            for (int r = r0; r < r1; r += Group)
            {
                int rows = Math.Min(Group, r1 - r);
                if (w.DType == DType.BF16 && rows == Group && m >= 2)
                {
                    ManyRows(target, r);
                    continue;
                }
                for (int i = 0; i < m; i++)
                {
                    float* xi = (float*)_x + (long)i * k;
                    if (w.DType == DType.BF16)
                    {
                        float* even = (float*)_split + (long)i * vectorK, odd = even + vectorK / 2;
                        ushort* w0 = (ushort*)w.Data + (long)r * k;
                        if (rows == Group) FourBf16(xi, even, odd, w0, k, vectorK, dots);
                        else for (int t = 0; t < rows; t++) dots[t] = OneBf16(xi, even, odd, w0 + (long)t * k, k, vectorK);
                    }
                    else
                    {
                        float* w0 = (float*)w.Data + (long)r * k;
                        if (rows == Group) FourF32(xi, w0, k, vectorK, dots);
                        else for (int t = 0; t < rows; t++) dots[t] = OneF32(xi, w0 + (long)t * k, k, vectorK);
                    }
                    for (int t = 0; t < rows; t++) Store(target, i, r + t, dots[t]);
                }
            }
        }

        /// <summary>
        /// A full group of four bf16 rows against every x row: each pair of weight rows is widened once per block of up
        /// to four x rows (<see cref="PairBf16{TRows}"/>), the pair's first pass prefetching the whole group's streams.
        /// A single x row left over takes <see cref="FourBf16"/>. Every dot product is the single-row one, bit for bit.
        /// </summary>
        private void ManyRows(GemvTarget target, int r)
        {
            CpuWeights w = target.Weights;
            int k = w.Columns;
            float* dots = stackalloc float[2 * XBlock];
            for (int pair = 0; pair < Group; pair += 2)
            {
                ushort* w0 = (ushort*)w.Data + (long)(r + pair) * k;
                bool prefetch = pair == 0;
                for (int i = 0; i < m; i += XBlock)
                {
                    int count = Math.Min(XBlock, m - i);
                    if (count == 1 && pair == 0)
                    {
                        // One x row left: four weight rows side by side keep eight FMA chains in flight.
                        float* xi = (float*)_x + (long)i * k, even = (float*)_split + (long)i * vectorK;
                        FourBf16(xi, even, even + vectorK / 2, (ushort*)w.Data + (long)r * k, k, vectorK, dots);
                        for (int t = 0; t < Group; t++) Store(target, i, r + t, dots[t]);
                        continue;
                    }
                    if (count == 1) continue; // done with the whole group above
                    float* split = (float*)_split + (long)i * vectorK;
                    switch (count)
                    {
                        case 2: PairBf16<TwoRows>(split, vectorK, w0, k, prefetch, dots); break;
                        case 3: PairBf16<ThreeRows>(split, vectorK, w0, k, prefetch, dots); break;
                        default: PairBf16<FourRows>(split, vectorK, w0, k, prefetch, dots); break;
                    }
                    prefetch = false;
                    for (int t = 0; t < 2; t++)
                        for (int c = 0; c < count; c++)
                        {
                            float* xi = (float*)_x + (long)(i + c) * k;
                            Store(target, i + c, r + pair + t, dots[t * XBlock + c] + TailBf16(xi, w0 + (long)t * k, vectorK, k));
                        }
                }
            }
        }

        /// <summary>y[i, row] = dot (+ bias) (or y += that).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Store(GemvTarget target, int i, int row, float dot)
        {
            // The residual (accumulate) is added to the finished dot product plus bias, as a separate add would: same rounding.
            float* y = target.Y + (long)i * target.Weights.Rows + row;
            float v = target.Bias != null ? dot + target.Bias[row] : dot;
            *y = accumulate ? *y + v : v;
        }
    }

    /// <summary>How many x rows one <see cref="PairBf16{TRows}"/> pass serves (a constant per instantiation, so the JIT drops unused chains).</summary>
    private interface IXRows { static abstract int Count { get; } }
    private struct TwoRows : IXRows { public static int Count => 2; }
    private struct ThreeRows : IXRows { public static int Count => 3; }
    private struct FourRows : IXRows { public static int Count => 4; }

    /// <summary>
    /// Two weight rows against <typeparamref name="TRows"/> x rows over elements [0, vectorK): each 64-byte step of a
    /// weight row is loaded and widened once and multiplied into every x row's own even and odd chains (up to sixteen
    /// accumulators, four widened vectors, x loaded per row). Each (weight row, x row) pair runs exactly the FMAs of
    /// <see cref="FourBf16"/> in the same order, so dots[t * XBlock + c] is that path's vector part, bit for bit; the
    /// caller adds the same scalar tail. Windows are loaded directly: the loads are few per FMA here.
    /// With <paramref name="prefetch"/>, all four rows of the group (w0 onwards) are fetched ahead as FourBf16 does.
    /// </summary>
    private static void PairBf16<TRows>(float* split, int vectorK, ushort* w0, int k, bool prefetch, float* dots) where TRows : struct, IXRows
    {
        ushort* w1 = w0 + k;
        int half = vectorK / 2, ahead = PrefetchBytes / sizeof(ushort);
        float* x0 = split, x1 = x0 + vectorK, x2 = x1 + vectorK, x3 = x2 + vectorK;
        Vector512<uint> oddBits = Vector512.Create(0xFFFF0000u);
        Vector512<float> e00 = default, o00 = default, e01 = default, o01 = default, e02 = default, o02 = default, e03 = default, o03 = default;
        Vector512<float> e10 = default, o10 = default, e11 = default, o11 = default, e12 = default, o12 = default, e13 = default, o13 = default;
        for (int j = 0; j < vectorK; j += Step)
        {
            if (prefetch)
            {
                int a = j + ahead;
                long at = a < k ? a : a + 3L * k;
                Sse.Prefetch0(w0 + at); Sse.Prefetch0(w1 + at); Sse.Prefetch0(w1 + k + at); Sse.Prefetch0(w1 + 2L * k + at);
            }
            Vector512<uint> p0 = Vector512.Load((uint*)(w0 + j)), p1 = Vector512.Load((uint*)(w1 + j));
            Vector512<float> we0 = Vector512.ShiftLeft(p0, 16).AsSingle(), wo0 = (p0 & oddBits).AsSingle();
            Vector512<float> we1 = Vector512.ShiftLeft(p1, 16).AsSingle(), wo1 = (p1 & oddBits).AsSingle();
            int h = j / 2;
            Vector512<float> xe = Vector512.Load(x0 + h), xo = Vector512.Load(x0 + half + h);
            e00 = Vector512.FusedMultiplyAdd(we0, xe, e00); o00 = Vector512.FusedMultiplyAdd(wo0, xo, o00);
            e10 = Vector512.FusedMultiplyAdd(we1, xe, e10); o10 = Vector512.FusedMultiplyAdd(wo1, xo, o10);
            xe = Vector512.Load(x1 + h); xo = Vector512.Load(x1 + half + h);
            e01 = Vector512.FusedMultiplyAdd(we0, xe, e01); o01 = Vector512.FusedMultiplyAdd(wo0, xo, o01);
            e11 = Vector512.FusedMultiplyAdd(we1, xe, e11); o11 = Vector512.FusedMultiplyAdd(wo1, xo, o11);
            if (TRows.Count > 2)
            {
                xe = Vector512.Load(x2 + h); xo = Vector512.Load(x2 + half + h);
                e02 = Vector512.FusedMultiplyAdd(we0, xe, e02); o02 = Vector512.FusedMultiplyAdd(wo0, xo, o02);
                e12 = Vector512.FusedMultiplyAdd(we1, xe, e12); o12 = Vector512.FusedMultiplyAdd(wo1, xo, o12);
            }
            if (TRows.Count > 3)
            {
                xe = Vector512.Load(x3 + h); xo = Vector512.Load(x3 + half + h);
                e03 = Vector512.FusedMultiplyAdd(we0, xe, e03); o03 = Vector512.FusedMultiplyAdd(wo0, xo, o03);
                e13 = Vector512.FusedMultiplyAdd(we1, xe, e13); o13 = Vector512.FusedMultiplyAdd(wo1, xo, o13);
            }
        }
        dots[0] = Vector512.Sum(e00 + o00); dots[1] = Vector512.Sum(e01 + o01);
        dots[XBlock] = Vector512.Sum(e10 + o10); dots[XBlock + 1] = Vector512.Sum(e11 + o11);
        if (TRows.Count > 2) { dots[2] = Vector512.Sum(e02 + o02); dots[XBlock + 2] = Vector512.Sum(e12 + o12); }
        if (TRows.Count > 3) { dots[3] = Vector512.Sum(e03 + o03); dots[XBlock + 3] = Vector512.Sum(e13 + o13); }
    }

    /// <summary>
    /// Four rows' dot products over elements [0, vectorK) in 64-byte steps, the rest one by one. Each lane always sums
    /// the same elements of its row (j mod 32), wherever the row sits, so the result does not depend on the address.
    /// When every row starts a whole number of 32-bit words past a cache line, each line is loaded once, aligned,
    /// and a two-source permute rebuilds the row's own 64-byte window from two neighbouring lines (a load that
    /// straddles two lines costs two; see docs/cpu-backend.md, Memory). Rows on a line boundary, or an odd 16-bit
    /// word past one, load their windows directly. The aligned loads stay within the lines that hold the row.
    /// </summary>
    private static void FourBf16(float* x, float* even, float* odd, ushort* w0, int k, int vectorK, float* y)
    {
        ushort* w1 = w0 + k, w2 = w1 + k, w3 = w2 + k;
        Vector512<float> e0 = default, o0 = default, e1 = default, o1 = default, e2 = default, o2 = default, e3 = default, o3 = default;
        int ahead = PrefetchBytes / sizeof(ushort);
        nuint s0 = (nuint)w0 % 64, s1 = (nuint)w1 % 64, s2 = (nuint)w2 % 64, s3 = (nuint)w3 % 64;
        bool straddling = s0 != 0 && s1 != 0 && s2 != 0 && s3 != 0 && ((s0 | s1 | s2 | s3) & 3) == 0;
        if (straddling && vectorK > 0)
        {
            uint* a0 = (uint*)((nuint)w0 - s0), a1 = (uint*)((nuint)w1 - s1), a2 = (uint*)((nuint)w2 - s2), a3 = (uint*)((nuint)w3 - s3);
            Vector512<uint> lanes = Vector512<uint>.Indices;
            Vector512<uint> i0 = lanes + Vector512.Create((uint)s0 / 4), i1 = lanes + Vector512.Create((uint)s1 / 4);
            Vector512<uint> i2 = lanes + Vector512.Create((uint)s2 / 4), i3 = lanes + Vector512.Create((uint)s3 / 4);
            Vector512<uint> p0 = Vector512.LoadAligned(a0), p1 = Vector512.LoadAligned(a1), p2 = Vector512.LoadAligned(a2), p3 = Vector512.LoadAligned(a3);
            for (int j = 0; j < vectorK; j += Step)
            {
                int a = j + ahead;
                long at = a < k ? a : a + 3L * k;
                Sse.Prefetch0(w0 + at); Sse.Prefetch0(w1 + at); Sse.Prefetch0(w2 + at); Sse.Prefetch0(w3 + at);
                Vector512<float> xe = Vector512.Load(even + j / 2), xo = Vector512.Load(odd + j / 2);
                int next = j / 2 + 16;
                Vector512<uint> n0 = Vector512.LoadAligned(a0 + next), n1 = Vector512.LoadAligned(a1 + next), n2 = Vector512.LoadAligned(a2 + next), n3 = Vector512.LoadAligned(a3 + next);
                Accumulate(Avx512F.PermuteVar16x32x2(p0, i0, n0), xe, xo, ref e0, ref o0);
                Accumulate(Avx512F.PermuteVar16x32x2(p1, i1, n1), xe, xo, ref e1, ref o1);
                Accumulate(Avx512F.PermuteVar16x32x2(p2, i2, n2), xe, xo, ref e2, ref o2);
                Accumulate(Avx512F.PermuteVar16x32x2(p3, i3, n3), xe, xo, ref e3, ref o3);
                (p0, p1, p2, p3) = (n0, n1, n2, n3);
            }
        }
        else
        {
            for (int j = 0; j < vectorK; j += Step)
            {
                // Each row's stream is fetched ahead; past the row's end, the same row of the next group (3K further).
                int a = j + ahead;
                long at = a < k ? a : a + 3L * k;
                Sse.Prefetch0(w0 + at); Sse.Prefetch0(w1 + at); Sse.Prefetch0(w2 + at); Sse.Prefetch0(w3 + at);
                Vector512<float> xe = Vector512.Load(even + j / 2), xo = Vector512.Load(odd + j / 2);
                Accumulate(Vector512.Load((uint*)(w0 + j)), xe, xo, ref e0, ref o0);
                Accumulate(Vector512.Load((uint*)(w1 + j)), xe, xo, ref e1, ref o1);
                Accumulate(Vector512.Load((uint*)(w2 + j)), xe, xo, ref e2, ref o2);
                Accumulate(Vector512.Load((uint*)(w3 + j)), xe, xo, ref e3, ref o3);
            }
        }
        y[0] = Vector512.Sum(e0 + o0) + TailBf16(x, w0, vectorK, k);
        y[1] = Vector512.Sum(e1 + o1) + TailBf16(x, w1, vectorK, k);
        y[2] = Vector512.Sum(e2 + o2) + TailBf16(x, w2, vectorK, k);
        y[3] = Vector512.Sum(e3 + o3) + TailBf16(x, w3, vectorK, k);
    }

    private static float OneBf16(float* x, float* even, float* odd, ushort* w0, int k, int vectorK)
    {
        Vector512<float> e0 = default, o0 = default;
        for (int j = 0; j < vectorK; j += Step)
            Accumulate(Vector512.Load((uint*)(w0 + j)), Vector512.Load(even + j / 2), Vector512.Load(odd + j / 2), ref e0, ref o0);
        return Vector512.Sum(e0 + o0) + TailBf16(x, w0, vectorK, k);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(Vector512<uint> pairs, Vector512<float> xe, Vector512<float> xo, ref Vector512<float> e, ref Vector512<float> o)
    {
        e = Vector512.FusedMultiplyAdd(Vector512.ShiftLeft(pairs, 16).AsSingle(), xe, e);
        o = Vector512.FusedMultiplyAdd((pairs & Vector512.Create(0xFFFF0000u)).AsSingle(), xo, o);
    }

    private static float TailBf16(float* x, ushort* w, int from, int k)
    {
        float sum = 0f;
        for (int j = from; j < k; j++) sum += x[j] * BitConverter.Int32BitsToSingle(w[j] << 16);
        return sum;
    }

    private static void FourF32(float* x, float* w0, int k, int vectorK, float* y)
    {
        float* w1 = w0 + k, w2 = w1 + k, w3 = w2 + k;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        int ahead = PrefetchBytes / sizeof(float);
        for (int j = 0; j < vectorK; j += 16)
        {
            int a = j + ahead;
            long at = a < k ? a : a + 3L * k;
            Sse.Prefetch0(w0 + at); Sse.Prefetch0(w1 + at); Sse.Prefetch0(w2 + at); Sse.Prefetch0(w3 + at);
            Vector512<float> xv = Vector512.Load(x + j);
            a0 = Vector512.FusedMultiplyAdd(Vector512.Load(w0 + j), xv, a0);
            a1 = Vector512.FusedMultiplyAdd(Vector512.Load(w1 + j), xv, a1);
            a2 = Vector512.FusedMultiplyAdd(Vector512.Load(w2 + j), xv, a2);
            a3 = Vector512.FusedMultiplyAdd(Vector512.Load(w3 + j), xv, a3);
        }
        y[0] = Vector512.Sum(a0) + TailF32(x, w0, vectorK, k);
        y[1] = Vector512.Sum(a1) + TailF32(x, w1, vectorK, k);
        y[2] = Vector512.Sum(a2) + TailF32(x, w2, vectorK, k);
        y[3] = Vector512.Sum(a3) + TailF32(x, w3, vectorK, k);
    }

    private static float OneF32(float* x, float* w0, int k, int vectorK)
    {
        Vector512<float> acc = default;
        for (int j = 0; j < vectorK; j += 16) acc = Vector512.FusedMultiplyAdd(Vector512.Load(w0 + j), Vector512.Load(x + j), acc);
        return Vector512.Sum(acc) + TailF32(x, w0, vectorK, k);
    }

    private static float TailF32(float* x, float* w, int from, int k)
    {
        float sum = 0f;
        for (int j = from; j < k; j++) sum += x[j] * w[j];
        return sum;
    }
}
