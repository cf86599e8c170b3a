// PruneVid.NET — quantized weights: y = x · Wᵀ with x rounded to int8 and integer dot products over 16-row tiles.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using PruneVid.Kernels.Cpu;

namespace PruneVid.Kernels.Quantized;

/// <summary>
/// y[M,N] = x[M,K] · Wᵀ (+ bias) for packed weights in <see cref="QuantizedTiles"/>, any M (decode and prefill), the
/// way llama.cpp multiplies its Q4_0/Q8_0 weights: x is rounded to int8 per 32-column block
/// (<see cref="Int8Activations"/>), each (row, block) dot product Σ q·x_q is an exact integer, and only then do floats
/// enter: Σ over a group's blocks of dot·step, minus z times the rounded x's sum, times the group's scale. The only
/// difference from <see cref="QuantizedMatMul.Reference"/> is the rounding of x: |Δy| ≤ Σ|w|·step/2 (plus f32 rounding).
/// </summary>
/// <remarks>
/// AVX-512BW: one 64-byte load is 16 rows × 8 4-bit (or 4 8-bit) columns; a mask and a shift split the nibbles,
/// vpmaddubsw multiplies each row's four unsigned codes by four broadcast signed activation bytes and adds pairs into
/// int16, and a block's int16 partial sums become int32 with one vpmaddwd. A 4-bit block adds 8 such products of at most
/// 2·15·127 into each int16 lane (≤ 30,480 &lt; 32,767); an 8-bit code is split into its two nibbles, each with its own
/// int16 sum (8 products each), recombined as 16·high + low by the vpmaddwd. So a 4-bit weight costs about 0.08
/// instructions instead of the ~0.3 of widening it to f32, and decode streams the codes at memory speed.
/// </remarks>
public static unsafe class IntegerDotMatMul
{
    /// <summary>True where the kernel runs (AVX-512BW); elsewhere packed weights stay in the f32 paths.</summary>
    public static bool IsSupported => Avx512BW.IsSupported;

    /// <summary>
    /// Fewest tiles a decode-shaped call's core claims at once (64 rows): the late, small claims that even out the
    /// cores' finish. The first claims are far larger (<see cref="Job.Claim"/>).
    /// </summary>
    private const int MinDecodeClaimTiles = 4;

    /// <summary>Input rows one micro-kernel call shares each unpacked chunk between.</summary>
    private const int RowsPerCall = 4;

    /// <summary>
    /// How far ahead of the code stream to prefetch: in the 3B int4 decode, 2–8 KB all gave 16.8–17.1 tok/s, 16–64 KB
    /// 14.5–16.4 and no prefetch 15.1 (prefetching into L2 instead of L1 changed nothing). With non-temporal decode
    /// prefetches 4 KB still did best (8 KB: 2% slower in the 3B int4 decode).
    /// </summary>
    private const int PrefetchBytes = 4096;

    [ThreadStatic] private static float[]? t_activations;

    /// <summary>
    /// The plain reference: the same rounded activations, each (row, block) dot product summed as integers one weight at
    /// a time, and the same float steps in the same order as the kernel, so the two agree bit for bit.
    /// </summary>
    public static void Reference(ReadOnlySpan<float> x, QuantizedTiles w, ReadOnlySpan<float> bias, Span<float> y, int m, bool accumulate)
    {
        Validate(x, w, bias, y, m);
        if (m == 0) return;
        int perGroup = w.GroupSize / QuantizedMatrix.Block;
        float[] scratch = new float[Int8Activations.ScratchFloats(m, w.BlocksPerRow, w.Groups) + 16];
        fixed (float* px = x) fixed (float* ps = scratch)
        {
            Int8Activations a = Int8Activations.Round(px, m, w.Columns, w.GroupSize, w.BlocksPerRow, w.Groups, ps);
            for (int i = 0; i < m; i++)
            {
                sbyte* q = a.Values + (long)i * a.RowBytes;
                for (int r = 0; r < w.Rows; r++)
                {
                    float total = 0;
                    for (int g = 0; g < w.Groups; g++)
                    {
                        float groupSum = 0;
                        for (int b = g * perGroup; b < Math.Min(w.BlocksPerRow, (g + 1) * perGroup); b++)
                        {
                            int dot = 0;
                            for (int j = 0; j < QuantizedMatrix.Block; j++)
                            {
                                int c = b * QuantizedMatrix.Block + j;
                                dot += (c < w.Columns ? w.Code(r, c) : 0) * q[c];
                            }
                            groupSum = MathF.FusedMultiplyAdd(dot, a.Steps[(long)i * w.BlocksPerRow + b], groupSum);
                        }
                        float shifted = MathF.FusedMultiplyAdd(-w.Zero(r, g), a.GroupSums[(long)i * w.Groups + g], groupSum);
                        total = MathF.FusedMultiplyAdd(shifted, w.Scale(r, g), total);
                    }
                    if (!bias.IsEmpty) total += bias[r];
                    y[i * w.Rows + r] = accumulate ? y[i * w.Rows + r] + total : total;
                }
            }
        }
    }

    /// <summary>Runs the kernel (needs <see cref="IsSupported"/>); <paramref name="bias"/> may be empty.</summary>
    public static void Run(ReadOnlySpan<float> x, QuantizedTiles w, ReadOnlySpan<float> bias, Span<float> y, int m, bool accumulate)
    {
        if (!IsSupported) throw new PlatformNotSupportedException("the integer dot-product kernel needs AVX-512BW");
        Validate(x, w, bias, y, m);
        if (m == 0) return;
        RunCore(x, m, accumulate, w, bias, y, null, default, default, null, default, default);
    }

    /// <summary>
    /// Two or three products of the same x (a layer's q, k and v; or gate and up) in one pass: x is rounded once and the
    /// cores take tasks from one loop over every product's tiles, so the small products fill the large one's tail
    /// instead of each call waiting for its own last task. Equal, bit for bit, to one <see cref="Run"/> per product.
    /// Every weight must have the same columns and group size (<paramref name="w2"/> may be null).
    /// </summary>
    public static void RunProducts(ReadOnlySpan<float> x, int m,
        QuantizedTiles w0, ReadOnlySpan<float> bias0, Span<float> y0,
        QuantizedTiles w1, ReadOnlySpan<float> bias1, Span<float> y1,
        QuantizedTiles? w2, ReadOnlySpan<float> bias2, Span<float> y2)
    {
        if (!IsSupported) throw new PlatformNotSupportedException("the integer dot-product kernel needs AVX-512BW");
        Validate(x, w0, bias0, y0, m);
        Validate(x, w1, bias1, y1, m);
        if (w2 is not null) Validate(x, w2, bias2, y2, m);
        if (!CanShareActivations(w0, w1) || (w2 is not null && !CanShareActivations(w0, w2)))
        {
            QuantizedTiles odd = CanShareActivations(w0, w1) ? w2! : w1;
            throw new ArgumentException($"quantized products: weights of {odd.Columns} columns in groups of {odd.GroupSize} and of {w0.Columns} in groups of {w0.GroupSize} cannot share one rounded x");
        }
        if (m == 0) return;
        RunCore(x, m, accumulate: false, w0, bias0, y0, w1, bias1, y1, w2, bias2, y2);
    }

    /// <summary>
    /// Whether <see cref="RunProducts"/> can take these weights together: the same columns and group size (true for
    /// a layer's projections from one checkpoint).
    /// </summary>
    public static bool CanShareActivations(QuantizedTiles w0, QuantizedTiles w1) => w0.Columns == w1.Columns && w0.GroupSize == w1.GroupSize;

    private static void RunCore(ReadOnlySpan<float> x, int m, bool accumulate,
        QuantizedTiles w0, ReadOnlySpan<float> bias0, Span<float> y0,
        QuantizedTiles? w1, ReadOnlySpan<float> bias1, Span<float> y1,
        QuantizedTiles? w2, ReadOnlySpan<float> bias2, Span<float> y2)
    {
        float* scratch = CpuScratch.Floats(ref t_activations, Int8Activations.ScratchFloats(m, w0.BlocksPerRow, w0.Groups));
        fixed (float* px = x)
        fixed (float* py0 = y0) fixed (float* pb0 = bias0) fixed (byte* c0 = w0.Codes) fixed (Half* s0 = w0.Scales) fixed (byte* z0 = w0.Zeros)
        fixed (float* py1 = y1) fixed (float* pb1 = bias1) fixed (byte* c1 = w1 is null ? default : w1.Codes) fixed (Half* s1 = w1?.Scales) fixed (byte* z1 = w1?.Zeros)
        fixed (float* py2 = y2) fixed (float* pb2 = bias2) fixed (byte* c2 = w2 is null ? default : w2.Codes) fixed (Half* s2 = w2?.Scales) fixed (byte* z2 = w2?.Zeros)
        {
            Int8Activations a = Int8Activations.Round(px, m, w0.Columns, w0.GroupSize, w0.BlocksPerRow, w0.Groups, scratch);
            // Each product's next unclaimed tile (decode-shaped calls), a cache line apart so the cores' claims on one
            // product do not slow another's. On this stack: the workers use them only inside CpuWorkers.For below.
            int* nextTile = stackalloc int[3 * CounterStride];
            nextTile[0] = nextTile[CounterStride] = nextTile[2 * CounterStride] = 0;
            var jobs = new Jobs(
                Job.For(a, w0, c0, s0, z0, bias0.IsEmpty ? null : pb0, py0, accumulate, m, nextTile),
                w1 is null ? default : Job.For(a, w1, c1, s1, z1, bias1.IsEmpty ? null : pb1, py1, accumulate, m, nextTile + CounterStride),
                w2 is null ? default : Job.For(a, w2, c2, s2, z2, bias2.IsEmpty ? null : pb2, py2, accumulate, m, nextTile + 2 * CounterStride));
            if (jobs.Count == 1) jobs.Run(0);
            else CpuWorkers.For(jobs.Count, jobs);
        }
    }

    /// <summary>Ints between two products' tile counters: one 64-byte line.</summary>
    private const int CounterStride = 16;

    /// <summary>Up to three products' tasks as one loop: indices [0, first.Tasks) are the first product's, and so on.</summary>
    private readonly struct Jobs(Job first, Job second, Job third) : ICpuLoop
    {
        public int Count => first.Tasks + second.Tasks + third.Tasks;

        public void Run(int index)
        {
            if (index < first.Tasks) first.Run(index);
            else if ((index -= first.Tasks) < second.Tasks) second.Run(index);
            else third.Run(index - second.Tasks);
        }
    }

    private static void Validate(ReadOnlySpan<float> x, QuantizedTiles w, ReadOnlySpan<float> bias, Span<float> y, int m)
    {
        ArgumentNullException.ThrowIfNull(w);
        if (m < 0 || x.Length < (long)m * w.Columns || y.Length < (long)m * w.Rows || (!bias.IsEmpty && bias.Length < w.Rows))
            throw new ArgumentException($"quantized matmul: x has {x.Length} values, y {y.Length}, bias {bias.Length}, for M={m} N={w.Rows} K={w.Columns}");
    }

    /// <summary>
    /// One product's pointers (valid while RunCore's fixed block is) and its split into tasks of whole tiles.
    /// <list type="bullet">
    /// <item>Prefill (more than <see cref="CpuQuantizedGemv.MaxRows"/> input rows): about four fixed tasks per core, so
    /// a core finishing early finds work.</item>
    /// <item>Decode: every weight byte is read once per token, so the run is a stream. One task per core, each claiming
    /// ranges of tiles from <paramref name="nextTile"/> (<see cref="Claim"/>): a core reads long contiguous stretches,
    /// and the codes are prefetched non-temporally, so they do not push the KV cache and activations out of L2. Against
    /// fixed 16-tile tasks with ordinary prefetches this took the 3B decode from 12.2 to 12.9 tok/s with int8 weights
    /// and from 14.8 to 15.6 with int4 (docs/weights.md, "Decode: how the cores stream the codes").</item>
    /// </list>
    /// </summary>
    private readonly struct Job(Int8Activations a, QuantizedTiles w, byte* codes, ushort* scales, byte* zeros, float sharedZero,
        float* bias, float* y, bool accumulate, int tilesPerTask, int* nextTile)
    {
        public static Job For(Int8Activations a, QuantizedTiles w, byte* codes, Half* scales, byte* zeros, float* bias, float* y, bool accumulate, int m, int* nextTile)
        {
            bool stream = m <= CpuQuantizedGemv.MaxRows;
            int tilesPerTask = stream ? 0 : Math.Max(1, w.TileCount / (4 * CpuWorkers.Workers));
            return new Job(a, w, codes, (ushort*)scales, zeros, w.SharedZero, bias, y, accumulate, tilesPerTask, nextTile);
        }

        /// <summary>A decode-shaped call: tiles claimed from the shared counter, codes prefetched non-temporally.</summary>
        private bool Stream => tilesPerTask == 0;

        /// <summary>Tasks of this product (0 for the default value: no product).</summary>
        public int Tasks => w is null ? 0 : Stream ? CpuWorkers.Workers : (w.TileCount + tilesPerTask - 1) / tilesPerTask;

        /// <summary>Task <paramref name="task"/>: a fixed range of tiles, or (decode) claims until no tile is left.</summary>
        public void Run(int task)
        {
            if (!Stream)
            {
                RunTiles(task * tilesPerTask, Math.Min(w.TileCount, (task + 1) * tilesPerTask));
                return;
            }
            while (Claim(out int first, out int end)) RunTiles(first, end);
        }

        /// <summary>
        /// Claims the next tiles of a decode-shaped call: a 1/(2·cores) share of those left, at least
        /// <see cref="MinDecodeClaimTiles"/> (guided self-scheduling). The first claims are long stretches; the last are
        /// small, so a core that another process slowed down holds back little.
        /// </summary>
        private bool Claim(out int first, out int end)
        {
            int total = w.TileCount, share = 2 * CpuWorkers.Workers;
            while (true)
            {
                first = Volatile.Read(ref *nextTile);
                if (first >= total)
                {
                    end = first;
                    return false;
                }
                end = Math.Min(total, first + Math.Max(MinDecodeClaimTiles, (total - first) / share));
                if (Interlocked.CompareExchange(ref *nextTile, end, first) == first) return true;
            }
        }

        /// <summary>
        /// Tiles [first, end) against every input row. With many rows the rows go in slices of about 128 KB of int8
        /// values, so a slice stays in L2 while the task's tiles (read from L1/L2) pass over it.
        /// </summary>
        private void RunTiles(int first, int end)
        {
            // The stream's prefetches run ahead of the tile being read; the range's first stretch needs its own.
            byte* start = codes + (long)first * w.BlocksPerRow * w.BlockBytes;
            for (int line = 0; line < PrefetchBytes; line += 64) Prefetch(start + line);
            int sliceRows = Math.Max(RowsPerCall, 131072 / a.RowBytes / RowsPerCall * RowsPerCall);
            for (int i0 = 0; i0 < a.Rows; i0 += sliceRows)
            {
                int iEnd = Math.Min(a.Rows, i0 + sliceRows);
                for (int t = first; t < end; t++)
                {
                    int i = i0;
                    for (; i + RowsPerCall <= iEnd; i += RowsPerCall) Tile4(t, i);
                    for (; i < iEnd; i++) Tile1(t, i);
                }
            }
        }

        /// <summary>Tile <paramref name="t"/> against input row <paramref name="i"/>.</summary>
        private void Tile1(int t, int i)
        {
            int perGroup = w.GroupSize / QuantizedMatrix.Block, blocks = w.BlocksPerRow, blockBytes = w.BlockBytes;
            bool four = w.Bits == 4;
            byte* block = codes + (long)t * blocks * blockBytes;
            sbyte* x = a.Values + (long)i * a.RowBytes;
            float* steps = a.Steps + (long)i * blocks, groupSums = a.GroupSums + (long)i * a.Groups;
            long at = (long)t * w.Groups * QuantizedTiles.TileRows;
            ushort* scale = scales + at;
            byte* zero = zeros + at;
            Vector512<float> total = Vector512<float>.Zero;
            for (int g = 0, b = 0; g < w.Groups; g++, scale += QuantizedTiles.TileRows, zero += QuantizedTiles.TileRows)
            {
                Vector512<float> groupSum = Vector512<float>.Zero;
                for (int bEnd = Math.Min(blocks, b + perGroup); b < bEnd; b++, block += blockBytes, x += QuantizedMatrix.Block)
                {
                    // The tiles are read once per token: ask for every line of a block well ahead of the stream
                    // (written out: a loop here costs as many instructions as a chunk's arithmetic).
                    byte* ahead = block + PrefetchBytes;
                    Prefetch(ahead);
                    Prefetch(ahead + 64);
                    Prefetch(ahead + 128);
                    Prefetch(ahead + 192);
                    if (!four)
                    {
                        Prefetch(ahead + 256);
                        Prefetch(ahead + 320);
                        Prefetch(ahead + 384);
                        Prefetch(ahead + 448);
                    }
                    Vector512<float> dot = Avx512F.ConvertToVector512Single(four ? Dot4(block, x) : Dot8(block, x));
                    groupSum = Avx512F.FusedMultiplyAdd(dot, Vector512.Create(steps[b]), groupSum);
                }
                total = GroupEnd(scale, zero, groupSums[g], groupSum, total);
            }
            Store(t, i, total);
        }

        /// <summary>Tile <paramref name="t"/> against input rows i..i+3, each chunk unpacked once for the four.</summary>
        private void Tile4(int t, int i)
        {
            int perGroup = w.GroupSize / QuantizedMatrix.Block, blocks = w.BlocksPerRow, blockBytes = w.BlockBytes, rowBytes = a.RowBytes;
            bool four = w.Bits == 4;
            byte* block = codes + (long)t * blocks * blockBytes;
            sbyte* x = a.Values + (long)i * rowBytes;
            float* steps = a.Steps + (long)i * blocks, groupSums = a.GroupSums + (long)i * a.Groups;
            long at = (long)t * w.Groups * QuantizedTiles.TileRows;
            ushort* scale = scales + at;
            byte* zero = zeros + at;
            Vector512<float> total0 = Vector512<float>.Zero, total1 = total0, total2 = total0, total3 = total0;
            for (int g = 0, b = 0; g < w.Groups; g++, scale += QuantizedTiles.TileRows, zero += QuantizedTiles.TileRows)
            {
                Vector512<float> sum0 = Vector512<float>.Zero, sum1 = sum0, sum2 = sum0, sum3 = sum0;
                for (int bEnd = Math.Min(blocks, b + perGroup); b < bEnd; b++, block += blockBytes, x += QuantizedMatrix.Block)
                {
                    Vector512<int> d0, d1, d2, d3;
                    if (four) Dot4x4(block, x, x + rowBytes, x + 2 * rowBytes, x + 3 * rowBytes, out d0, out d1, out d2, out d3);
                    else Dot8x4(block, x, x + rowBytes, x + 2 * rowBytes, x + 3 * rowBytes, out d0, out d1, out d2, out d3);
                    sum0 = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(d0), Vector512.Create(steps[b]), sum0);
                    sum1 = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(d1), Vector512.Create(steps[b + blocks]), sum1);
                    sum2 = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(d2), Vector512.Create(steps[b + 2 * blocks]), sum2);
                    sum3 = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(d3), Vector512.Create(steps[b + 3 * blocks]), sum3);
                }
                total0 = GroupEnd(scale, zero, groupSums[g], sum0, total0);
                total1 = GroupEnd(scale, zero, groupSums[g + a.Groups], sum1, total1);
                total2 = GroupEnd(scale, zero, groupSums[g + 2 * a.Groups], sum2, total2);
                total3 = GroupEnd(scale, zero, groupSums[g + 3 * a.Groups], sum3, total3);
            }
            Store(t, i, total0);
            Store(t, i + 1, total1);
            Store(t, i + 2, total2);
            Store(t, i + 3, total3);
        }

        /// <summary>Asks for a line of codes: non-temporally in a decode stream (read once), else into L1.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Prefetch(byte* line)
        {
            if (Stream) Sse.PrefetchNonTemporal(line);
            else Sse.Prefetch0(line);
        }

        /// <summary>total + s·(groupSum − z·Σx) for the 16 rows of a tile's group, given its scales and zero points.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private Vector512<float> GroupEnd(ushort* scale, byte* zero, float roundedSum, Vector512<float> groupSum, Vector512<float> total)
        {
            Vector512<float> s = w.SimpleScales ? HalfScales.WidenNormal16(scale) : HalfScales.Widen16(scale);
            Vector512<float> z = zeros == null ? Vector512.Create(sharedZero)
                : Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load(zero)));
            Vector512<float> shifted = Avx512F.FusedMultiplyAddNegated(z, Vector512.Create(roundedSum), groupSum);
            return Avx512F.FusedMultiplyAdd(shifted, s, total);
        }

        /// <summary>Writes (adds, with accumulate) the tile's 16 outputs of input row i, plus the bias; a partial last tile lane by lane.</summary>
        private void Store(int t, int i, Vector512<float> total)
        {
            int r0 = t * QuantizedTiles.TileRows, rows = Math.Min(QuantizedTiles.TileRows, w.Rows - r0);
            float* at = y + (long)i * w.Rows + r0;
            if (rows == QuantizedTiles.TileRows)
            {
                if (bias != null) total += Vector512.Load(bias + r0);
                if (accumulate) total += Vector512.Load(at);
                total.Store(at);
                return;
            }
            for (int r = 0; r < rows; r++)
            {
                float v = total[r];
                if (bias != null) v += bias[r0 + r];
                at[r] = accumulate ? at[r] + v : v;
            }
        }
    }

    private static readonly Vector512<byte> LowNibbles = Vector512.Create((byte)0x0F);

    /// <summary>Four activation bytes (columns c..c+3) in every 32-bit lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<sbyte> Broadcast(sbyte* x) => Vector512.Create(*(int*)x).AsSByte();

    /// <summary>
    /// The GF(2) affine map of vgf2p8affineqb that moves a byte's bits 4–7 to bits 0–3 and clears the rest: result bit i
    /// is the parity of (matrix byte 7 − i) AND x, so bytes 7..4 select bits 4..7 and bytes 3..0 are zero.
    /// </summary>
    private static readonly Vector512<byte> HighNibbleDown = Vector512.Create(0x1020408000000000UL).AsByte();

    /// <summary>The low and high nibbles of a chunk, each as a byte (the high one in one GFNI instruction where it exists).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Nibbles(byte* chunk, out Vector512<byte> low, out Vector512<byte> high)
    {
        Vector512<byte> v = Vector512.Load(chunk);
        low = v & LowNibbles;
        high = Gfni.V512.IsSupported ? Gfni.V512.GaloisFieldAffineTransform(v, HighNibbleDown, 0)
            : Avx512BW.ShiftRightLogical(v.AsUInt16(), 4).AsByte() & LowNibbles;
    }

    /// <summary>Each row's Σ q·x over one 4-bit block (4 chunks), as int32 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Dot4(byte* block, sbyte* x)
    {
        Vector512<short> sum = Vector512<short>.Zero;
        for (int c = 0; c < 4; c++)
        {
            Nibbles(block + c * QuantizedTiles.ChunkBytes, out Vector512<byte> low, out Vector512<byte> high);
            sum += Avx512BW.MultiplyAddAdjacent(low, Broadcast(x + 8 * c));
            sum += Avx512BW.MultiplyAddAdjacent(high, Broadcast(x + 8 * c + 4));
        }
        return Avx512BW.MultiplyAddAdjacent(sum, Vector512<short>.One);
    }

    /// <summary>
    /// Whether 8-bit blocks use AVX-VNNI's vpdpbusd (unsigned code × signed activation, four products summed into int32
    /// in one instruction, no int16 stage, so no nibble split): set where the processor has it; tests clear it to run
    /// the AVX-512BW path too. Both give the same integers.
    /// </summary>
    internal static bool UseAvxVnni = AvxVnni.IsSupported;

    /// <summary>Each row's Σ q·x over one 8-bit block with vpdpbusd: rows 0–7 in one 256-bit half, rows 8–15 in the other.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Dot8Vnni(byte* block, sbyte* x)
    {
        // Two chunks per step into two pairs of accumulators: four steps, which the JIT unrolls, and two dependency chains.
        Vector256<int> low0 = Vector256<int>.Zero, high0 = low0, low1 = low0, high1 = low0;
        for (int c = 0; c < 8; c += 2)
        {
            byte* chunk = block + c * QuantizedTiles.ChunkBytes;
            Vector256<sbyte> x0 = Vector256.Create(*(int*)(x + 4 * c)).AsSByte(), x1 = Vector256.Create(*(int*)(x + 4 * c + 4)).AsSByte();
            low0 = AvxVnni.MultiplyWideningAndAdd(low0, Vector256.Load(chunk), x0);
            high0 = AvxVnni.MultiplyWideningAndAdd(high0, Vector256.Load(chunk + 32), x0);
            low1 = AvxVnni.MultiplyWideningAndAdd(low1, Vector256.Load(chunk + QuantizedTiles.ChunkBytes), x1);
            high1 = AvxVnni.MultiplyWideningAndAdd(high1, Vector256.Load(chunk + QuantizedTiles.ChunkBytes + 32), x1);
        }
        return Vector512.Create(low0 + low1, high0 + high1);
    }

    /// <summary><see cref="Dot8Vnni"/> for four input rows sharing each chunk load.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot8x4Vnni(byte* block, sbyte* x0, sbyte* x1, sbyte* x2, sbyte* x3,
        out Vector512<int> d0, out Vector512<int> d1, out Vector512<int> d2, out Vector512<int> d3)
    {
        Vector256<int> l0 = Vector256<int>.Zero, l1 = l0, l2 = l0, l3 = l0, h0 = l0, h1 = l0, h2 = l0, h3 = l0;
        for (int c = 0; c < 8; c++)
        {
            byte* chunk = block + c * QuantizedTiles.ChunkBytes;
            Vector256<byte> low = Vector256.Load(chunk), high = Vector256.Load(chunk + 32);
            int at = 4 * c;
            Vector256<sbyte> b0 = Vector256.Create(*(int*)(x0 + at)).AsSByte(), b1 = Vector256.Create(*(int*)(x1 + at)).AsSByte();
            Vector256<sbyte> b2 = Vector256.Create(*(int*)(x2 + at)).AsSByte(), b3 = Vector256.Create(*(int*)(x3 + at)).AsSByte();
            l0 = AvxVnni.MultiplyWideningAndAdd(l0, low, b0);
            h0 = AvxVnni.MultiplyWideningAndAdd(h0, high, b0);
            l1 = AvxVnni.MultiplyWideningAndAdd(l1, low, b1);
            h1 = AvxVnni.MultiplyWideningAndAdd(h1, high, b1);
            l2 = AvxVnni.MultiplyWideningAndAdd(l2, low, b2);
            h2 = AvxVnni.MultiplyWideningAndAdd(h2, high, b2);
            l3 = AvxVnni.MultiplyWideningAndAdd(l3, low, b3);
            h3 = AvxVnni.MultiplyWideningAndAdd(h3, high, b3);
        }
        d0 = Vector512.Create(l0, h0);
        d1 = Vector512.Create(l1, h1);
        d2 = Vector512.Create(l2, h2);
        d3 = Vector512.Create(l3, h3);
    }

    /// <summary>Each row's Σ q·x over one 8-bit block (8 chunks): high and low nibbles summed apart, then 16·high + low.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Dot8(byte* block, sbyte* x)
    {
        if (UseAvxVnni && AvxVnni.IsSupported) return Dot8Vnni(block, x);
        Vector512<short> low = Vector512<short>.Zero, high = low;
        for (int c = 0; c < 8; c++)
        {
            Nibbles(block + c * QuantizedTiles.ChunkBytes, out Vector512<byte> lo, out Vector512<byte> hi);
            Vector512<sbyte> xc = Broadcast(x + 4 * c);
            low += Avx512BW.MultiplyAddAdjacent(lo, xc);
            high += Avx512BW.MultiplyAddAdjacent(hi, xc);
        }
        return Avx512BW.MultiplyAddAdjacent(low, Vector512<short>.One) + Avx512BW.MultiplyAddAdjacent(high, Vector512.Create((short)16));
    }

    /// <summary><see cref="Dot4"/> for four input rows sharing each unpacked chunk.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot4x4(byte* block, sbyte* x0, sbyte* x1, sbyte* x2, sbyte* x3,
        out Vector512<int> d0, out Vector512<int> d1, out Vector512<int> d2, out Vector512<int> d3)
    {
        Vector512<short> s0 = Vector512<short>.Zero, s1 = s0, s2 = s0, s3 = s0;
        for (int c = 0; c < 4; c++)
        {
            Nibbles(block + c * QuantizedTiles.ChunkBytes, out Vector512<byte> low, out Vector512<byte> high);
            int at = 8 * c;
            s0 += Avx512BW.MultiplyAddAdjacent(low, Broadcast(x0 + at)) + Avx512BW.MultiplyAddAdjacent(high, Broadcast(x0 + at + 4));
            s1 += Avx512BW.MultiplyAddAdjacent(low, Broadcast(x1 + at)) + Avx512BW.MultiplyAddAdjacent(high, Broadcast(x1 + at + 4));
            s2 += Avx512BW.MultiplyAddAdjacent(low, Broadcast(x2 + at)) + Avx512BW.MultiplyAddAdjacent(high, Broadcast(x2 + at + 4));
            s3 += Avx512BW.MultiplyAddAdjacent(low, Broadcast(x3 + at)) + Avx512BW.MultiplyAddAdjacent(high, Broadcast(x3 + at + 4));
        }
        d0 = Avx512BW.MultiplyAddAdjacent(s0, Vector512<short>.One);
        d1 = Avx512BW.MultiplyAddAdjacent(s1, Vector512<short>.One);
        d2 = Avx512BW.MultiplyAddAdjacent(s2, Vector512<short>.One);
        d3 = Avx512BW.MultiplyAddAdjacent(s3, Vector512<short>.One);
    }

    /// <summary><see cref="Dot8"/> for four input rows sharing each unpacked chunk.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot8x4(byte* block, sbyte* x0, sbyte* x1, sbyte* x2, sbyte* x3,
        out Vector512<int> d0, out Vector512<int> d1, out Vector512<int> d2, out Vector512<int> d3)
    {
        if (UseAvxVnni && AvxVnni.IsSupported)
        {
            Dot8x4Vnni(block, x0, x1, x2, x3, out d0, out d1, out d2, out d3);
            return;
        }
        Vector512<short> l0 = Vector512<short>.Zero, l1 = l0, l2 = l0, l3 = l0, h0 = l0, h1 = l0, h2 = l0, h3 = l0;
        for (int c = 0; c < 8; c++)
        {
            Nibbles(block + c * QuantizedTiles.ChunkBytes, out Vector512<byte> low, out Vector512<byte> high);
            int at = 4 * c;
            Vector512<sbyte> b0 = Broadcast(x0 + at), b1 = Broadcast(x1 + at), b2 = Broadcast(x2 + at), b3 = Broadcast(x3 + at);
            l0 += Avx512BW.MultiplyAddAdjacent(low, b0);
            h0 += Avx512BW.MultiplyAddAdjacent(high, b0);
            l1 += Avx512BW.MultiplyAddAdjacent(low, b1);
            h1 += Avx512BW.MultiplyAddAdjacent(high, b1);
            l2 += Avx512BW.MultiplyAddAdjacent(low, b2);
            h2 += Avx512BW.MultiplyAddAdjacent(high, b2);
            l3 += Avx512BW.MultiplyAddAdjacent(low, b3);
            h3 += Avx512BW.MultiplyAddAdjacent(high, b3);
        }
        Vector512<short> sixteen = Vector512.Create((short)16);
        d0 = Avx512BW.MultiplyAddAdjacent(l0, Vector512<short>.One) + Avx512BW.MultiplyAddAdjacent(h0, sixteen);
        d1 = Avx512BW.MultiplyAddAdjacent(l1, Vector512<short>.One) + Avx512BW.MultiplyAddAdjacent(h1, sixteen);
        d2 = Avx512BW.MultiplyAddAdjacent(l2, Vector512<short>.One) + Avx512BW.MultiplyAddAdjacent(h2, sixteen);
        d3 = Avx512BW.MultiplyAddAdjacent(l3, Vector512<short>.One) + Avx512BW.MultiplyAddAdjacent(h3, sixteen);
    }
}
