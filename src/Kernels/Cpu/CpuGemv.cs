// PruneVid.NET — Cpu backend: GEMV y = x · wᵀ (+ bias) for a few rows of x (the decode path), bandwidth-bound.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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
/// rows of x it reuses those four weight rows from cache for every x row before moving on. bf16 words are widened
/// without shuffles: a 32-bit load holds two words, <c>u &lt;&lt; 16</c> is the even one and <c>u &amp; 0xFFFF0000</c>
/// the odd one, so x is split once per call into its even and odd elements (into a per-thread buffer that is reused,
/// so a call allocates no arrays) and each step is one load, a shift, an and and two FMAs. See docs/cpu-backend.md.
/// Oracle: <see cref="MatMul.Reference(ReadOnlySpan{float}, ReadOnlySpan{ushort}, ReadOnlySpan{ushort}, Span{float}, int, int, int)"/>.
/// </summary>
internal static unsafe class CpuGemv
{
    private const int Step = 32;              // bf16 weights per 64-byte step
    private const int Group = 4;              // weight rows read side by side
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
        RowLayout* layouts = stackalloc RowLayout[targets.Length];
        for (int i = 0; i < targets.Length; i++) layouts[i] = RowLayout.For(targets[i].Weights, elementSize);
        if (bf16) SplitAll(x, m, k, layouts, targets.Length);
        fixed (GemvTarget* pt = targets)
        {
            var job = new Job(x, pt, layouts, targets.Length, chunkRows, m, accumulate);
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

    /// <summary>
    /// Where a target's rows are read with vectors: elements [<see cref="Head"/>, Head + <see cref="VectorK"/>) in
    /// 64-byte steps, the elements before and after one by one. A 64-byte load that straddles two cache lines costs
    /// two, and a safetensors file places its tensors at whatever offset the header leaves (24 bytes past a line in
    /// ours), so where every row starts at the same offset within a line the head is the few elements up to the
    /// first line boundary and every vector load is aligned (the 1 GiB sum streams 55–62 GB/s aligned against 43–49
    /// one 16–24 bytes off, measured). Rows with differing offsets (K·size not a multiple of 64) keep a head of 0.
    /// </summary>
    private readonly struct RowLayout(int head, int vectorK)
    {
        public int Head { get; } = head;
        public int VectorK { get; } = vectorK;

        /// <summary>For bf16 weights: x's elements Head, Head + 2, … then Head + 1, Head + 3, …, [m][VectorK] floats.</summary>
        public float* Split { get; init; }

        public static RowLayout For(CpuWeights w, int elementSize)
        {
            int k = w.Columns, lanes = elementSize == sizeof(ushort) ? Step : 16;
            long offset = (long)((nuint)w.Data % 64);
            int head = (long)k * elementSize % 64 == 0 && offset % elementSize == 0 ? (int)((64 - offset) % 64 / elementSize) : 0;
            if (head >= k) head = 0;
            return new RowLayout(head, (k - head) / lanes * lanes);
        }
    }

    /// <summary>
    /// Splits x into its even and odd elements once per distinct head, into the calling thread's reused buffer (64-byte
    /// aligned, so the x loads never straddle lines either), and points each layout at its split.
    /// </summary>
    private static void SplitAll(float* x, int m, int k, RowLayout* layouts, int count)
    {
        long needed = 0;
        for (int i = 0; i < count; i++) needed += (long)m * layouts[i].VectorK + 16;
        float* at = CpuScratch.Floats(ref t_split, needed);
        for (int i = 0; i < count; i++)
        {
            RowLayout layout = layouts[i];
            int shared = 0;
            while (shared < i && (layouts[shared].Head != layout.Head || layouts[shared].VectorK != layout.VectorK)) shared++;
            if (shared < i)
            {
                layouts[i] = layout with { Split = layouts[shared].Split };
                continue;
            }
            layouts[i] = layout with { Split = at };
            int half = layout.VectorK / 2;
            for (int r = 0; r < m; r++)
            {
                float* row = x + (long)r * k + layout.Head, even = at + (long)r * layout.VectorK;
                for (int j = 0; j < half; j++)
                {
                    even[j] = row[2 * j];
                    even[half + j] = row[2 * j + 1];
                }
            }
            at += (long)m * layout.VectorK + 16 - (long)m * layout.VectorK % 16; // next split on a 64-byte boundary
        }
    }

    /// <summary>One pass's operands; <see cref="Run"/> computes one chunk of rows.</summary>
    private readonly struct Job(float* x, GemvTarget* targets, RowLayout* layouts, int count, int chunkRows, int m, bool accumulate) : ICpuLoop
    {
        private readonly nint _x = (nint)x, _targets = (nint)targets, _layouts = (nint)layouts;

        public void Run(int chunk)
        {
            // Chunks are numbered through the targets in order: find the one this chunk falls in.
            GemvTarget* t = (GemvTarget*)_targets;
            RowLayout* layout = (RowLayout*)_layouts;
            int first = chunk;
            for (int i = 0; i < count; i++, t++, layout++)
            {
                int own = (t->Weights.Rows + chunkRows - 1) / chunkRows;
                if (first < own) break;
                first -= own;
            }
            int r0 = first * chunkRows;
            Rows(*t, *layout, r0, Math.Min(t->Weights.Rows, r0 + chunkRows));
        }

        private void Rows(GemvTarget target, RowLayout layout, int r0, int r1)
        {
            CpuWeights w = target.Weights;
            int n = w.Rows, k = w.Columns, head = layout.Head, vectorK = layout.VectorK;
            float* dots = stackalloc float[Group]; // one group's dot products, before the epilogue
            for (int r = r0; r < r1; r += Group)
            {
                int rows = Math.Min(Group, r1 - r);
                for (int i = 0; i < m; i++)
                {
                    float* xi = (float*)_x + (long)i * k, yi = target.Y + (long)i * n + r;
                    if (w.DType == DType.BF16)
                    {
                        float* even = layout.Split + (long)i * vectorK, odd = even + vectorK / 2;
                        ushort* w0 = (ushort*)w.Data + (long)r * k;
                        if (rows == Group) FourBf16(xi, even, odd, w0, k, head, vectorK, dots);
                        else for (int t = 0; t < rows; t++) dots[t] = OneBf16(xi, even, odd, w0 + (long)t * k, k, head, vectorK);
                    }
                    else
                    {
                        float* w0 = (float*)w.Data + (long)r * k;
                        if (rows == Group) FourF32(xi, w0, k, head, vectorK, dots);
                        else for (int t = 0; t < rows; t++) dots[t] = OneF32(xi, w0 + (long)t * k, k, head, vectorK);
                    }
                    // The residual (accumulate) is added to the finished dot product plus bias, as a separate add would: same rounding.
                    for (int t = 0; t < rows; t++)
                    {
                        float v = target.Bias != null ? dots[t] + target.Bias[r + t] : dots[t];
                        yi[t] = accumulate ? yi[t] + v : v;
                    }
                }
            }
        }
    }

    /// <summary>Four rows' dot products: elements [head, head + vectorK) in 64-byte steps, the rest one by one.</summary>
    private static void FourBf16(float* x, float* even, float* odd, ushort* w0, int k, int head, int vectorK, float* y)
    {
        ushort* w1 = w0 + k, w2 = w1 + k, w3 = w2 + k;
        Vector512<float> e0 = default, o0 = default, e1 = default, o1 = default, e2 = default, o2 = default, e3 = default, o3 = default;
        int ahead = PrefetchBytes / sizeof(ushort), end = head + vectorK;
        for (int j = head; j < end; j += Step)
        {
            // Each row's stream is fetched ahead; past the row's end, the same row of the next group (3K further).
            int a = j + ahead;
            long at = a < k ? a : a + 3L * k;
            Sse.Prefetch0(w0 + at); Sse.Prefetch0(w1 + at); Sse.Prefetch0(w2 + at); Sse.Prefetch0(w3 + at);
            int h = (j - head) / 2;
            Vector512<float> xe = Vector512.Load(even + h), xo = Vector512.Load(odd + h);
            Accumulate(w0 + j, xe, xo, ref e0, ref o0);
            Accumulate(w1 + j, xe, xo, ref e1, ref o1);
            Accumulate(w2 + j, xe, xo, ref e2, ref o2);
            Accumulate(w3 + j, xe, xo, ref e3, ref o3);
        }
        y[0] = Vector512.Sum(e0 + o0) + ScalarBf16(x, w0, k, head, end);
        y[1] = Vector512.Sum(e1 + o1) + ScalarBf16(x, w1, k, head, end);
        y[2] = Vector512.Sum(e2 + o2) + ScalarBf16(x, w2, k, head, end);
        y[3] = Vector512.Sum(e3 + o3) + ScalarBf16(x, w3, k, head, end);
    }

    private static float OneBf16(float* x, float* even, float* odd, ushort* w0, int k, int head, int vectorK)
    {
        Vector512<float> e0 = default, o0 = default;
        int end = head + vectorK;
        for (int j = head; j < end; j += Step)
            Accumulate(w0 + j, Vector512.Load(even + (j - head) / 2), Vector512.Load(odd + (j - head) / 2), ref e0, ref o0);
        return Vector512.Sum(e0 + o0) + ScalarBf16(x, w0, k, head, end);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(ushort* w, Vector512<float> xe, Vector512<float> xo, ref Vector512<float> e, ref Vector512<float> o)
    {
        Vector512<uint> pairs = Vector512.Load((uint*)w);
        e = Vector512.FusedMultiplyAdd(Vector512.ShiftLeft(pairs, 16).AsSingle(), xe, e);
        o = Vector512.FusedMultiplyAdd((pairs & Vector512.Create(0xFFFF0000u)).AsSingle(), xo, o);
    }

    /// <summary>The elements outside the vector steps: [0, head) and [end, k).</summary>
    private static float ScalarBf16(float* x, ushort* w, int k, int head, int end)
    {
        float sum = 0f;
        for (int j = 0; j < head; j++) sum += x[j] * BitConverter.Int32BitsToSingle(w[j] << 16);
        for (int j = end; j < k; j++) sum += x[j] * BitConverter.Int32BitsToSingle(w[j] << 16);
        return sum;
    }

    private static void FourF32(float* x, float* w0, int k, int head, int vectorK, float* y)
    {
        float* w1 = w0 + k, w2 = w1 + k, w3 = w2 + k;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        int ahead = PrefetchBytes / sizeof(float), end = head + vectorK;
        for (int j = head; j < end; j += 16)
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
        y[0] = Vector512.Sum(a0) + ScalarF32(x, w0, k, head, end);
        y[1] = Vector512.Sum(a1) + ScalarF32(x, w1, k, head, end);
        y[2] = Vector512.Sum(a2) + ScalarF32(x, w2, k, head, end);
        y[3] = Vector512.Sum(a3) + ScalarF32(x, w3, k, head, end);
    }

    private static float OneF32(float* x, float* w0, int k, int head, int vectorK)
    {
        Vector512<float> acc = default;
        int end = head + vectorK;
        for (int j = head; j < end; j += 16) acc = Vector512.FusedMultiplyAdd(Vector512.Load(w0 + j), Vector512.Load(x + j), acc);
        return Vector512.Sum(acc) + ScalarF32(x, w0, k, head, end);
    }

    private static float ScalarF32(float* x, float* w, int k, int head, int end)
    {
        float sum = 0f;
        for (int j = 0; j < head; j++) sum += x[j] * w[j];
        for (int j = end; j < k; j++) sum += x[j] * w[j];
        return sum;
    }
}
