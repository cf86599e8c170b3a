// PruneVid.NET — kernels: flash attention on tensor cores (FlashAttention-2 scheme, mma.sync m16n8k16 bf16).
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using PruneVid.Compute;
using PruneVid.Kernels.Dsl;

namespace PruneVid.Kernels;

public static partial class Attention
{
    /// <summary>Keys per step of <see cref="FlashKernel"/>: two k16 steps of P·V, four n8 tiles of S = Q·Kᵀ.</summary>
    public const int FlashKeys = 32;

    /// <summary>
    /// Head widths <see cref="FlashKernel"/> is compiled for: 128 (the LLM), 80 (the vision tower), 64, and 16 (the
    /// small test model). Every one is a multiple of 16, the k of an mma step, so none is padded.
    /// </summary>
    public static ReadOnlySpan<int> FlashHeadDims => [16, 64, 80, 128];

    /// <summary>Rows of one flash group: 16 per warp (one m16 tile each).</summary>
    public static int FlashRows(int threads) => threads / 2;

    /// <summary>
    /// The work list of <see cref="FlashKernel"/>: (segment, first packed row) pairs, flattened, one per
    /// <see cref="FlashRows"/> rows. A segment's rows are its queries × the <paramref name="queryHeadsPerKvHead"/> query
    /// heads that read one kv head (GQA), packed query-major: row r is query r / group of head r % group. A block then
    /// spans few queries, which narrows the causal diagonal's partly masked steps, and a short segment (a few new tokens
    /// after a cached prefix) still fills the mma tiles with its heads.
    /// </summary>
    public static int[] FlashBlocks(ReadOnlySpan<int> cuQ, int threads, int queryHeadsPerKvHead)
    {
        var blocks = new List<int>();
        for (int s = 0; s + 1 < cuQ.Length; s++)
            for (int row = 0; row < (cuQ[s + 1] - cuQ[s]) * queryHeadsPerKvHead; row += FlashRows(threads)) { blocks.Add(s); blocks.Add(row); }
        return [.. blocks];
    }

    /// <summary>Groups of one <see cref="FlashKernel"/> launch: every block of <see cref="FlashBlocks"/> for every kv head.</summary>
    public static int FlashGroups(int[] blocks, int kvHeads) => checked(blocks.Length / 2 * kvHeads);

    // Words per shared row: the head plus 8 words of padding. The stride (48, 144, 176 or 272 bytes) is 16-byte aligned
    // for ldmatrix and puts the 8 rows one ldmatrix phase reads in 8 distinct 16-byte bank groups.
    private static int FlashStride(int headDim) => headDim + 8;

    /// <summary>bf16 words of the kernel's one shared allocation: the Q tile, then a K and a V tile of <see cref="FlashKeys"/> rows.</summary>
    public static int FlashSharedWords(int threads, int headDim) => (FlashRows(threads) + 2 * FlashKeys) * FlashStride(headDim);

    /// <summary>
    /// The reference of the flash kernel: q, k and v rounded to bf16 (round to nearest even, as they enter the tensor
    /// cores), then the f32 <see cref="Reference"/>. The kernel also rounds the softmax weights P to bf16 before P·V,
    /// which this reference does not: that moves an output by at most 2⁻⁹·max|v| (docs/numerics.md).
    /// </summary>
    public static void FlashReference(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output,
        AttentionShape shape, ReadOnlySpan<int> cuQ, ReadOnlySpan<int> cuK, bool causal)
        => Reference(RoundToBf16(q), RoundToBf16(k), RoundToBf16(v), output, shape, cuQ, cuK, causal);

    private static float[] RoundToBf16(ReadOnlySpan<float> x)
    {
        var rounded = new float[x.Length];
        for (int i = 0; i < x.Length; i++) rounded[i] = Bf16.ToSingle(Bf16.FromSingle(x[i]));
        return rounded;
    }

    /// <summary>
    /// FlashAttention-2 on tensor cores: one group per (block of rows, kv head), each of its warps owning 16 rows — a
    /// row being one query of one of the query heads that share the kv head (see <see cref="FlashBlocks"/>).
    /// The group stages its Q rows and then <see cref="FlashKeys"/> keys at a time of K and V in shared memory as bf16;
    /// each warp computes its 16 × 32 scores S = Q·Kᵀ with mma.sync (f32 accumulators), scales and masks them, updates
    /// the running row max and sum (online softmax in f32), rounds P = exp(S − max) to bf16 straight from the
    /// accumulator registers into A fragments (their layouts coincide) and adds P·V into an f32 output tile that never
    /// leaves the registers. Launch with <see cref="FlashGroups"/> groups over the blocks of <see cref="FlashBlocks"/>.
    /// </summary>
    /// <remarks>
    /// Inputs, segments and masks are those of <see cref="TiledKernel"/>: variable-length segments (the vision tower's
    /// windows and frames, the LLM's sequences), GQA, and the causal rule query i sees keys 0 .. i + (lenK − lenQ), so
    /// keys already in a cache before the queries are attended. A warp skips key steps past its own rows' last visible
    /// key (the causal triangle). Fragments are loaded with ldmatrix (Kᵀ untransposed from K's rows, V with .trans).
    /// </remarks>
    [Kernel(Reference = nameof(FlashReference), GroupSizeTunable = nameof(threads))]
    public static void FlashKernel(ArrayView<float> q, ArrayView<float> k, ArrayView<float> v, ArrayView<float> output,
        ArrayView<int> cuQ, ArrayView<int> cuK, ArrayView<int> blocks, AttentionParams p,
        [Tunable(64, 128)] SpecializedValue<int> threads, [Tunable(16, 64, 80, 128)] SpecializedValue<int> headDim)
    {
        // The kernel's only shared allocation (the warp instructions address it by its PTX name; see TensorCore).
        ArrayView<ushort> shared = SharedMemory.Allocate<ushort>(FlashSharedWords(threads.Value, headDim.Value));
        ArrayView<ushort> tiles = CudaAsm.IsSupported ? shared.AsAligned(16) : shared;
        int d = headDim.Value, stride = FlashStride(d), pairs = d / 16, blockRows = FlashRows(threads.Value);
        int kTile = blockRows * stride, vTile = kTile + FlashKeys * stride;
        int thread = Group.IdxX, warp = thread >> 5, lane = thread & 31, quad = lane & 3;

        int group = p.Heads / p.KvHeads;
        int block = Grid.IdxX / p.KvHeads, kvh = Grid.IdxX - block * p.KvHeads;
        int segment = blocks[2 * block], first = blocks[2 * block + 1];
        int q0 = cuQ[segment], lq = cuQ[segment + 1] - q0;
        int k0 = cuK[segment], lk = cuK[segment + 1] - k0;
        int rows = Math.Min(blockRows, lq * group - first), shift = lk - lq;
        int qStride = p.Heads * d, kStride = p.KvHeads * d;
        bool causal = p.Causal != 0;
        // Keys a set of rows can see: up to those of its last row's query (causal), else all.
        int keyEnd = causal ? Math.Min(lk, (first + rows - 1) / group + 1 + shift) : lk;
        int warpRows = Math.Min(16, rows - warp * 16);
        int warpKeyEnd = warpRows <= 0 ? 0 : causal ? Math.Min(lk, (first + warp * 16 + warpRows - 1) / group + 1 + shift) : lk;

        // This lane's two rows (g and g + 8 of the warp's m16 tile): their queries and how many keys each sees.
        int rowLo = first + warp * 16 + (lane >> 2), rowHi = rowLo + 8;
        int seenLo = causal ? Math.Min(lk, rowLo / group + shift + 1) : lk, seenHi = causal ? Math.Min(lk, rowHi / group + shift + 1) : lk;

        int chunksPerRow = d / 8;
        for (int chunk = thread; chunk < blockRows * chunksPerRow; chunk += threads.Value)
        {
            int r = chunk / chunksPerRow, c = (chunk - r * chunksPerRow) * 8, to = r * stride + c;
            int row = first + r, query = row / group;
            long from = (long)(q0 + query) * qStride + (kvh * group + row - query * group) * d + c;
            for (int i = 0; i < 8; i++) tiles[to + i] = r < rows ? Bf16.FromSingle(q[from + i]) : (ushort)0;
        }

        // ldmatrix row addresses: Q as the A operand (x4: rows lane % 16, column half lane / 16); K's rows as Kᵀ, the
        // B operand (x4: keys lane % 8 + 8·(lane / 16), column half (lane / 8) % 2 — two n8 tiles per load); V
        // transposed (x4.trans: keys lane % 8 + 8·((lane / 8) % 2), column half lane / 16 — two n8 tiles of dims).
        int qRow = (warp * 16 + (lane & 15)) * stride + 8 * (lane >> 4);
        int kRow = kTile + ((lane & 7) + 8 * (lane >> 4)) * stride + 8 * ((lane >> 3) & 1);
        int vRow = vTile + ((lane & 7) + 8 * ((lane >> 3) & 1)) * stride + 8 * (lane >> 4);

        float maxLo = float.NegativeInfinity, maxHi = float.NegativeInfinity, sumLo = 0f, sumHi = 0f;
        var o0 = default(Accumulator); var o1 = default(Accumulator); var o2 = default(Accumulator); var o3 = default(Accumulator);
        var o4 = default(Accumulator); var o5 = default(Accumulator); var o6 = default(Accumulator); var o7 = default(Accumulator);
        var o8 = default(Accumulator); var o9 = default(Accumulator); var o10 = default(Accumulator); var o11 = default(Accumulator);
        var o12 = default(Accumulator); var o13 = default(Accumulator); var o14 = default(Accumulator); var o15 = default(Accumulator);

        for (int kb = 0; kb < keyEnd; kb += FlashKeys)
        {
            Group.Barrier(); // the previous step's K and V are read (and, the first time, Q is stored)
            for (int chunk = thread; chunk < FlashKeys * chunksPerRow; chunk += threads.Value)
            {
                int j = chunk / chunksPerRow, c = (chunk - j * chunksPerRow) * 8, to = j * stride + c;
                bool inside = kb + j < keyEnd;
                long from = (long)(k0 + kb + j) * kStride + kvh * d + c;
                for (int i = 0; i < 8; i++)
                {
                    tiles[kTile + to + i] = inside ? Bf16.FromSingle(k[from + i]) : (ushort)0;
                    tiles[vTile + to + i] = inside ? Bf16.FromSingle(v[from + i]) : (ushort)0;
                }
            }
            Group.Barrier();
            if (kb >= warpKeyEnd) continue; // warp-uniform: the causal triangle past this warp's rows

            var s0 = default(Accumulator); var s1 = default(Accumulator); var s2 = default(Accumulator); var s3 = default(Accumulator);
            for (int step = 0; step < d; step += 16)
            {
                FragmentA a = TensorCore.LoadMatrixX4(tiles, qRow + step);
                FragmentA keysLow = TensorCore.LoadMatrixX4(tiles, kRow + step);
                FragmentA keysHigh = TensorCore.LoadMatrixX4(tiles, kRow + 16 * stride + step);
                s0 = TensorCore.Mma(a, new FragmentB { R0 = keysLow.R0, R1 = keysLow.R1 }, s0);
                s1 = TensorCore.Mma(a, new FragmentB { R0 = keysLow.R2, R1 = keysLow.R3 }, s1);
                s2 = TensorCore.Mma(a, new FragmentB { R0 = keysHigh.R0, R1 = keysHigh.R1 }, s2);
                s3 = TensorCore.Mma(a, new FragmentB { R0 = keysHigh.R2, R1 = keysHigh.R3 }, s3);
            }

            // Column 2t (+1) of n8 tile j is key kb + 8j + 2t (+1).
            int key = kb + 2 * quad;
            s0 = ScaleAndMask(s0, p.Scale, key, seenLo, seenHi);
            s1 = ScaleAndMask(s1, p.Scale, key + 8, seenLo, seenHi);
            s2 = ScaleAndMask(s2, p.Scale, key + 16, seenLo, seenHi);
            s3 = ScaleAndMask(s3, p.Scale, key + 24, seenLo, seenHi);

            // Online softmax: a row's 32 scores sit in the 4 lanes of its quad, 8 each.
            float newLo = QuadMax(Math.Max(maxLo, Math.Max(Math.Max(Math.Max(s0.C0, s0.C1), Math.Max(s1.C0, s1.C1)),
                Math.Max(Math.Max(s2.C0, s2.C1), Math.Max(s3.C0, s3.C1)))));
            float newHi = QuadMax(Math.Max(maxHi, Math.Max(Math.Max(Math.Max(s0.C2, s0.C3), Math.Max(s1.C2, s1.C3)),
                Math.Max(Math.Max(s2.C2, s2.C3), Math.Max(s3.C2, s3.C3)))));
            float alphaLo = newLo == float.NegativeInfinity ? 1f : MathF.Exp(maxLo - newLo);
            float alphaHi = newHi == float.NegativeInfinity ? 1f : MathF.Exp(maxHi - newHi);
            maxLo = newLo;
            maxHi = newHi;
            s0 = Exponentiate(s0, newLo, newHi); s1 = Exponentiate(s1, newLo, newHi);
            s2 = Exponentiate(s2, newLo, newHi); s3 = Exponentiate(s3, newLo, newHi);
            // Per-lane partial sums; the quad's four are added once at the end (α is the same in all four lanes).
            sumLo = sumLo * alphaLo + (s0.C0 + s0.C1 + s1.C0 + s1.C1 + s2.C0 + s2.C1 + s3.C0 + s3.C1);
            sumHi = sumHi * alphaHi + (s0.C2 + s0.C3 + s1.C2 + s1.C3 + s2.C2 + s2.C3 + s3.C2 + s3.C3);

            o0 = Rescale(o0, alphaLo, alphaHi); o1 = Rescale(o1, alphaLo, alphaHi);
            if (pairs > 1) { o2 = Rescale(o2, alphaLo, alphaHi); o3 = Rescale(o3, alphaLo, alphaHi); }
            if (pairs > 2) { o4 = Rescale(o4, alphaLo, alphaHi); o5 = Rescale(o5, alphaLo, alphaHi); }
            if (pairs > 3) { o6 = Rescale(o6, alphaLo, alphaHi); o7 = Rescale(o7, alphaLo, alphaHi); }
            if (pairs > 4) { o8 = Rescale(o8, alphaLo, alphaHi); o9 = Rescale(o9, alphaLo, alphaHi); }
            if (pairs > 5) { o10 = Rescale(o10, alphaLo, alphaHi); o11 = Rescale(o11, alphaLo, alphaHi); }
            if (pairs > 6) { o12 = Rescale(o12, alphaLo, alphaHi); o13 = Rescale(o13, alphaLo, alphaHi); }
            if (pairs > 7) { o14 = Rescale(o14, alphaLo, alphaHi); o15 = Rescale(o15, alphaLo, alphaHi); }

            // P·V: the S accumulators of keys 0..15 (tiles 0, 1) and 16..31 (tiles 2, 3) are the A fragments.
            for (int half = 0; half < 2; half++)
            {
                FragmentA weights = half == 0 ? ToFragment(s0, s1) : ToFragment(s2, s3);
                int at = vRow + half * 16 * stride;
                FragmentA pair = TensorCore.LoadMatrixX4Trans(tiles, at);
                o0 = TensorCore.Mma(weights, Low(pair), o0); o1 = TensorCore.Mma(weights, High(pair), o1);
                if (pairs > 1) { pair = TensorCore.LoadMatrixX4Trans(tiles, at + 16); o2 = TensorCore.Mma(weights, Low(pair), o2); o3 = TensorCore.Mma(weights, High(pair), o3); }
                if (pairs > 2) { pair = TensorCore.LoadMatrixX4Trans(tiles, at + 32); o4 = TensorCore.Mma(weights, Low(pair), o4); o5 = TensorCore.Mma(weights, High(pair), o5); }
                if (pairs > 3) { pair = TensorCore.LoadMatrixX4Trans(tiles, at + 48); o6 = TensorCore.Mma(weights, Low(pair), o6); o7 = TensorCore.Mma(weights, High(pair), o7); }
                if (pairs > 4) { pair = TensorCore.LoadMatrixX4Trans(tiles, at + 64); o8 = TensorCore.Mma(weights, Low(pair), o8); o9 = TensorCore.Mma(weights, High(pair), o9); }
                if (pairs > 5) { pair = TensorCore.LoadMatrixX4Trans(tiles, at + 80); o10 = TensorCore.Mma(weights, Low(pair), o10); o11 = TensorCore.Mma(weights, High(pair), o11); }
                if (pairs > 6) { pair = TensorCore.LoadMatrixX4Trans(tiles, at + 96); o12 = TensorCore.Mma(weights, Low(pair), o12); o13 = TensorCore.Mma(weights, High(pair), o13); }
                if (pairs > 7) { pair = TensorCore.LoadMatrixX4Trans(tiles, at + 112); o14 = TensorCore.Mma(weights, Low(pair), o14); o15 = TensorCore.Mma(weights, High(pair), o15); }
            }
        }

        sumLo += Warp.ShuffleXor(sumLo, 1);
        sumLo += Warp.ShuffleXor(sumLo, 2);
        sumHi += Warp.ShuffleXor(sumHi, 1);
        sumHi += Warp.ShuffleXor(sumHi, 2);
        FlashRowsOut rowsOut = OutputRows(cuQ, blocks, p, blockRows, d, sumLo, sumHi);
        Store(output, rowsOut, 0, o0); Store(output, rowsOut, 8, o1);
        if (pairs > 1) { Store(output, rowsOut, 16, o2); Store(output, rowsOut, 24, o3); }
        if (pairs > 2) { Store(output, rowsOut, 32, o4); Store(output, rowsOut, 40, o5); }
        if (pairs > 3) { Store(output, rowsOut, 48, o6); Store(output, rowsOut, 56, o7); }
        if (pairs > 4) { Store(output, rowsOut, 64, o8); Store(output, rowsOut, 72, o9); }
        if (pairs > 5) { Store(output, rowsOut, 80, o10); Store(output, rowsOut, 88, o11); }
        if (pairs > 6) { Store(output, rowsOut, 96, o12); Store(output, rowsOut, 104, o13); }
        if (pairs > 7) { Store(output, rowsOut, 112, o14); Store(output, rowsOut, 120, o15); }
    }

    /// <summary>Where a lane's two output rows start (−1: a padding row, not written) and their 1 / row sum.</summary>
    private readonly record struct FlashRowsOut(long Lo, float InverseLo, long Hi, float InverseHi);

    /// <summary>
    /// This lane's output rows. Recomputed from the group's indices and tables after the key loop rather than kept from
    /// before it: values live across the loop cost registers beside the 64 of the output tile (ptxas: 132 → 128 at
    /// head width 128, the difference between 3 and 4 groups per SM). Rows that see no key write zeros, as the
    /// reference does.
    /// </summary>
    private static FlashRowsOut OutputRows(ArrayView<int> cuQ, ArrayView<int> blocks, AttentionParams p, int blockRows, int d, float sumLo, float sumHi)
    {
        int group = p.Heads / p.KvHeads, block = Grid.IdxX / p.KvHeads, kvh = Grid.IdxX - block * p.KvHeads;
        int segment = blocks[2 * block], first = blocks[2 * block + 1];
        int q0 = cuQ[segment], lq = cuQ[segment + 1] - q0, rows = Math.Min(blockRows, lq * group - first);
        int lane = Group.IdxX & 31, rowLo = first + (Group.IdxX >> 5) * 16 + (lane >> 2), rowHi = rowLo + 8;
        int queryLo = rowLo / group, queryHi = rowHi / group, column = 2 * (lane & 3);
        long qStride = (long)p.Heads * d;
        return new FlashRowsOut(
            rowLo - first < rows ? (q0 + queryLo) * qStride + (kvh * group + rowLo - queryLo * group) * d + column : -1, sumLo > 0f ? 1f / sumLo : 0f,
            rowHi - first < rows ? (q0 + queryHi) * qStride + (kvh * group + rowHi - queryHi * group) * d + column : -1, sumHi > 0f ? 1f / sumHi : 0f);
    }

    /// <summary>Scores times the scale; keys a row does not see (past its <c>seen</c> count) become −∞.</summary>
    private static Accumulator ScaleAndMask(Accumulator s, float scale, int key, int seenLo, int seenHi) => new()
    {
        C0 = key < seenLo ? s.C0 * scale : float.NegativeInfinity,
        C1 = key + 1 < seenLo ? s.C1 * scale : float.NegativeInfinity,
        C2 = key < seenHi ? s.C2 * scale : float.NegativeInfinity,
        C3 = key + 1 < seenHi ? s.C3 * scale : float.NegativeInfinity,
    };

    /// <summary>The maximum over the 4 lanes of a quad (the lanes holding one accumulator row).</summary>
    private static float QuadMax(float x)
    {
        x = Math.Max(x, Warp.ShuffleXor(x, 1));
        return Math.Max(x, Warp.ShuffleXor(x, 2));
    }

    /// <summary>exp(s − row max); masked scores (−∞) give 0, also in a row that has seen no key yet.</summary>
    private static Accumulator Exponentiate(Accumulator s, float maxLo, float maxHi) => new()
    {
        C0 = s.C0 == float.NegativeInfinity ? 0f : MathF.Exp(s.C0 - maxLo),
        C1 = s.C1 == float.NegativeInfinity ? 0f : MathF.Exp(s.C1 - maxLo),
        C2 = s.C2 == float.NegativeInfinity ? 0f : MathF.Exp(s.C2 - maxHi),
        C3 = s.C3 == float.NegativeInfinity ? 0f : MathF.Exp(s.C3 - maxHi),
    };

    private static Accumulator Rescale(Accumulator o, float alphaLo, float alphaHi) => new()
    {
        C0 = o.C0 * alphaLo, C1 = o.C1 * alphaLo, C2 = o.C2 * alphaHi, C3 = o.C3 * alphaHi,
    };

    /// <summary>
    /// Two m16n8 accumulators (keys 0..7 and 8..15 of a k16 step) as the A fragment of P·V, rounded to bf16: register r
    /// of A holds (row g + 8·(r &amp; 1), columns 2t + 8·(r / 2), +1), which is c0,c1 / c2,c3 of the first or second tile.
    /// </summary>
    private static FragmentA ToFragment(Accumulator first, Accumulator second) => new()
    {
        R0 = TensorCore.Pack(Bf16.FromSingle(first.C0), Bf16.FromSingle(first.C1)),
        R1 = TensorCore.Pack(Bf16.FromSingle(first.C2), Bf16.FromSingle(first.C3)),
        R2 = TensorCore.Pack(Bf16.FromSingle(second.C0), Bf16.FromSingle(second.C1)),
        R3 = TensorCore.Pack(Bf16.FromSingle(second.C2), Bf16.FromSingle(second.C3)),
    };

    /// <summary>The first n8 tile of an x4.trans load (matrices 0, 1: keys 0..15 of dims 0..7).</summary>
    private static FragmentB Low(FragmentA pair) => new() { R0 = pair.R0, R1 = pair.R1 };

    /// <summary>The second n8 tile of an x4.trans load (matrices 2, 3: dims 8..15).</summary>
    private static FragmentB High(FragmentA pair) => new() { R0 = pair.R2, R1 = pair.R3 };

    /// <summary>Writes one n8 tile of the output (columns <paramref name="column"/> + 2t, +1 of both rows), divided by the row sums.</summary>
    private static void Store(ArrayView<float> output, FlashRowsOut rows, int column, Accumulator o)
    {
        if (rows.Lo >= 0) { output[rows.Lo + column] = o.C0 * rows.InverseLo; output[rows.Lo + column + 1] = o.C1 * rows.InverseLo; }
        if (rows.Hi >= 0) { output[rows.Hi + column] = o.C2 * rows.InverseHi; output[rows.Hi + column + 1] = o.C3 * rows.InverseHi; }
    }
}
