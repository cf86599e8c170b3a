// PruneVid.NET — kernels: tensor-core GEMM (mma.sync m16n8k16 bf16, f32 accumulation) for prefill and vision.
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using PruneVid.Compute;
using PruneVid.Kernels.Dsl;

namespace PruneVid.Kernels;

public static partial class MatMul
{
    /// <summary>
    /// Threads of the full-size tensor-core group: 8 warps, each computing a 32×32 tile of the output (128×64 per
    /// group). The 64-thread variant (2 warps, 64×32) exists for small outputs and for ILGPU's CPU accelerator, which
    /// simulates every thread.
    /// </summary>
    public const int TensorThreads = 256;

    /// <summary>Depth of one shared-memory stage of the tensor-core GEMM: two m16n8k16 steps.</summary>
    public const int TensorTileK = 32;

    // Words per shared row: 32 bf16 plus 8 of padding. The 80-byte stride puts the 8 rows one ldmatrix phase reads in
    // 8 distinct 16-byte bank groups (no conflicts) and keeps every row 16-byte aligned for ldmatrix and cp.async.
    private const int TensorRowStride = TensorTileK + 8;

    /// <summary>Output tile rows of a group of <paramref name="threads"/> (64 → 64, 256 → 128): warps stacked 2 or 4 high.</summary>
    public static int TensorTileM(int threads) => threads == 64 ? 64 : 128;

    /// <summary>Output tile columns of a group of <paramref name="threads"/> (64 → 32, 256 → 64).</summary>
    public static int TensorTileN(int threads) => threads == 64 ? 32 : 64;

    /// <summary>Groups needed for an [M,N] output with groups of <paramref name="threads"/>.</summary>
    public static int TensorCoreGroups(int m, int n, int threads)
    {
        long tileM = TensorTileM(threads), tileN = TensorTileN(threads);
        return checked((int)(((m + tileM - 1) / tileM) * ((n + tileN - 1) / tileN)));
    }

    /// <summary>Groups of one <see cref="ProjectTensorCoreKernel"/> launch: every slot's tiles, one slot after another.</summary>
    public static int ProjectTensorCoreGroups(ProjectionShapes shapes, int threads)
        => checked(TensorSlotTiles(shapes.M, shapes.N0, threads) + TensorSlotTiles(shapes.M, shapes.N1, threads) + TensorSlotTiles(shapes.M, shapes.N2, threads));

    private static int TensorSlotTiles(int m, int n, int threads) => n == 0 ? 0 : TensorCoreGroups(m, n, threads);

    /// <summary>
    /// Reference of the tensor-core GEMM: activations rounded to bf16 (as they enter the tensor cores, round to nearest
    /// even), then the f32-accumulated product of <see cref="Reference(ReadOnlySpan{float}, ReadOnlySpan{ushort}, ReadOnlySpan{ushort}, Span{float}, int, int, int)"/>.
    /// </summary>
    public static void TensorCoreReference(ReadOnlySpan<float> x, ReadOnlySpan<ushort> w, ReadOnlySpan<ushort> bias, Span<float> y, int m, int n, int k)
    {
        CheckShapes(x.Length, w.Length, bias.Length, y.Length, m, n, k);
        var rounded = new float[(long)m * k];
        for (int i = 0; i < rounded.Length; i++) rounded[i] = Bf16.ToSingle(Bf16.FromSingle(x[i]));
        Reference(rounded, w, bias, y, m, n, k);
    }

    /// <summary>
    /// Tensor-core GEMM with bf16 weights: y = bf16(x) · wᵀ (+ bias), accumulated in f32, or added to y when
    /// <paramref name="accumulate"/> ≠ 0. One group per output tile (<see cref="TensorTileM"/> × <see cref="TensorTileN"/>); K walked
    /// in <see cref="TensorTileK"/>-deep stages, <paramref name="stages"/> of them in flight: weights by cp.async (when K
    /// is a multiple of 8 and <paramref name="wAddress"/>, the device address of w's element 0 taken on the host with
    /// <c>LoadEffectiveAddressAsPtr</c>, is 16-byte aligned), activations rounded to bf16 on their way to shared memory.
    /// Each warp loads its fragments with ldmatrix and issues 8 mma.sync per 16-deep step. Launch with
    /// <see cref="TensorCoreGroups"/> groups. On a non-CUDA accelerator it needs 32-lane warps (the emulated instructions).
    /// </summary>
    [Kernel(Reference = nameof(TensorCoreReference), GroupSizeTunable = nameof(threads))]
    public static void TensorCoreKernel(ArrayView<float> x, ArrayView<ushort> w, long wAddress, ArrayView<ushort> bias, ArrayView<float> y,
        int m, int n, int k, int hasBias, int accumulate,
        [Tunable(64, 256)] SpecializedValue<int> threads, [Tunable(2, 3)] SpecializedValue<int> stages)
    {
        int tilesN = (n + TensorTileN(threads.Value) - 1) / TensorTileN(threads.Value);
        TensorCoreTile(x, w, wAddress, bias, new Epilogue(hasBias != 0, accumulate != 0), y, m, n, k, threads.Value, stages.Value,
            Grid.IdxX / tilesN, Grid.IdxX % tilesN);
    }

    /// <summary>
    /// The tensor-core GEMM for up to three bf16 weights reading the same x (q/k/v, gate/up): slot 0's tiles, then slot
    /// 1's, then slot 2's, each group computing one tile of one slot as <see cref="TensorCoreKernel"/> would. Launch with
    /// <see cref="ProjectTensorCoreGroups"/> groups.
    /// </summary>
    [Kernel(Reference = nameof(TensorCoreReference), GroupSizeTunable = nameof(threads))]
    public static void ProjectTensorCoreKernel(ArrayView<float> x,
        ArrayView<ushort> w0, ArrayView<ushort> bias0, ArrayView<float> y0,
        ArrayView<ushort> w1, ArrayView<ushort> bias1, ArrayView<float> y1,
        ArrayView<ushort> w2, ArrayView<ushort> bias2, ArrayView<float> y2,
        ProjectionShapes s, WeightAddresses addresses, [Tunable(64, 256)] SpecializedValue<int> threads, [Tunable(2, 3)] SpecializedValue<int> stages)
    {
        int tileM = TensorTileM(threads.Value), tileN = TensorTileN(threads.Value), tilesM = (s.M + tileM - 1) / tileM;
        int tiles0 = s.N0 == 0 ? 0 : tilesM * ((s.N0 + tileN - 1) / tileN);
        int tiles1 = s.N1 == 0 ? 0 : tilesM * ((s.N1 + tileN - 1) / tileN);
        int g = Grid.IdxX;
        // The whole group takes one slot, so the barriers inside the tile loop stay uniform.
        int slot = g < tiles0 ? 0 : g < tiles0 + tiles1 ? 1 : 2;
        int local = slot == 0 ? g : slot == 1 ? g - tiles0 : g - tiles0 - tiles1;
        int n = s.N(slot), tilesN = (n + tileN - 1) / tileN;
        ArrayView<ushort> w = slot == 0 ? w0 : slot == 1 ? w1 : w2;
        long wAddress = slot == 0 ? addresses.W0 : slot == 1 ? addresses.W1 : addresses.W2;
        ArrayView<ushort> bias = slot == 0 ? bias0 : slot == 1 ? bias1 : bias2;
        ArrayView<float> y = slot == 0 ? y0 : slot == 1 ? y1 : y2;
        TensorCoreTile(x, w, wAddress, bias, new Epilogue(((s.BiasMask >> slot) & 1) != 0, false), y, s.M, n, s.K, threads.Value, stages.Value,
            local / tilesN, local % tilesN);
    }

    /// <summary>
    /// One output tile. Warp (wm, wn) of the (tileM/32) × (tileN/32) warp grid owns rows wm·32.. and columns wn·32..
    /// of the tile: 2 × 4 accumulator fragments (m16 × n8 each). Stage slot s holds tileM activation rows then tileN
    /// weight rows of <see cref="TensorRowStride"/> words.
    /// </summary>
    private static void TensorCoreTile(ArrayView<float> x, ArrayView<ushort> w, long wAddress, ArrayView<ushort> bias, Epilogue epilogue,
        ArrayView<float> y, int m, int n, int k, int threads, int stages, int tileRow, int tileColumn)
    {
        int tileM = TensorTileM(threads), tileN = TensorTileN(threads), stageWords = (tileM + tileN) * TensorRowStride;
        // The kernel's only shared allocation: the warp instructions address it by its PTX name (see TensorCore).
        // AsAligned(16) makes ILGPU declare it 16-byte aligned, as ldmatrix and cp.async need (on the PTX backend only:
        // elsewhere it would assert an alignment the emulation does not need).
        ArrayView<ushort> shared = SharedMemory.Allocate<ushort>(stages * (TensorTileM(threads) + TensorTileN(threads)) * TensorRowStride);
        ArrayView<ushort> tiles = CudaAsm.IsSupported ? shared.AsAligned(16) : shared;
        int thread = Group.IdxX, warp = thread >> 5, lane = thread & 31;
        int warpsM = tileM >> 5, wm = warp % warpsM, wn = warp / warpsM;
        int m0 = tileRow * tileM, n0 = tileColumn * tileN;
        int kTiles = (k + TensorTileK - 1) / TensorTileK;
        bool asyncWeights = k % 8 == 0 && (wAddress & 15) == 0;

        // Prologue: stages − 1 stages in flight (one commit group each, empty past the end so the count stays uniform).
        for (int s = 0; s < stages - 1; s++)
        {
            if (s < kTiles) LoadTensorStage(x, w, wAddress, tiles, s * stageWords, m, n, k, m0, n0, s * TensorTileK, tileM, tileN, threads, asyncWeights);
            TensorCore.CommitAsyncCopies();
        }

        var acc00 = default(Accumulator); var acc01 = default(Accumulator); var acc02 = default(Accumulator); var acc03 = default(Accumulator);
        var acc10 = default(Accumulator); var acc11 = default(Accumulator); var acc12 = default(Accumulator); var acc13 = default(Accumulator);
        // ldmatrix row addresses of this lane inside a stage: A (x4: rows lane % 16, column half lane / 16) and B (x4:
        // weight rows lane % 8 + 8·(lane / 16), column half (lane / 8) % 2 — two n8 fragments per load).
        int aRow = (wm * 32 + (lane & 15)) * TensorRowStride + 8 * (lane >> 4);
        int bRow = (tileM + wn * 32 + (lane & 7) + 8 * (lane >> 4)) * TensorRowStride + 8 * ((lane >> 3) & 1);
        for (int kt = 0; kt < kTiles; kt++)
        {
            TensorCore.WaitAsyncCopies(stages - 2);
            Group.Barrier(); // stage kt is complete for every thread, and stage kt − 1's slot is free
            int next = kt + stages - 1;
            if (next < kTiles)
                LoadTensorStage(x, w, wAddress, tiles, (next % stages) * stageWords, m, n, k, m0, n0, next * TensorTileK, tileM, tileN, threads, asyncWeights);
            TensorCore.CommitAsyncCopies();

            int slot = (kt % stages) * stageWords;
            for (int step = 0; step < TensorTileK; step += 16)
            {
                FragmentA a0 = TensorCore.LoadMatrixX4(tiles, slot + aRow + step);
                FragmentA a1 = TensorCore.LoadMatrixX4(tiles, slot + aRow + 16 * TensorRowStride + step);
                FragmentA bLow = TensorCore.LoadMatrixX4(tiles, slot + bRow + step);
                FragmentA bHigh = TensorCore.LoadMatrixX4(tiles, slot + bRow + 16 * TensorRowStride + step);
                var b0 = new FragmentB { R0 = bLow.R0, R1 = bLow.R1 };
                var b1 = new FragmentB { R0 = bLow.R2, R1 = bLow.R3 };
                var b2 = new FragmentB { R0 = bHigh.R0, R1 = bHigh.R1 };
                var b3 = new FragmentB { R0 = bHigh.R2, R1 = bHigh.R3 };
                acc00 = TensorCore.Mma(a0, b0, acc00); acc01 = TensorCore.Mma(a0, b1, acc01);
                acc02 = TensorCore.Mma(a0, b2, acc02); acc03 = TensorCore.Mma(a0, b3, acc03);
                acc10 = TensorCore.Mma(a1, b0, acc10); acc11 = TensorCore.Mma(a1, b1, acc11);
                acc12 = TensorCore.Mma(a1, b2, acc12); acc13 = TensorCore.Mma(a1, b3, acc13);
            }
        }
        TensorCore.WaitAsyncCopies(0);

        int row = m0 + wm * 32 + (lane >> 2), col = n0 + wn * 32 + 2 * (lane & 3);
        var b = new Bf16Words(bias);
        StoreFragment(y, b, epilogue, m, n, row, col, acc00);
        StoreFragment(y, b, epilogue, m, n, row, col + 8, acc01);
        StoreFragment(y, b, epilogue, m, n, row, col + 16, acc02);
        StoreFragment(y, b, epilogue, m, n, row, col + 24, acc03);
        StoreFragment(y, b, epilogue, m, n, row + 16, col, acc10);
        StoreFragment(y, b, epilogue, m, n, row + 16, col + 8, acc11);
        StoreFragment(y, b, epilogue, m, n, row + 16, col + 16, acc12);
        StoreFragment(y, b, epilogue, m, n, row + 16, col + 24, acc13);
    }

    /// <summary>
    /// Fills one stage slot: tileM × 32 activations (f32 → bf16, zero outside x) and tileN × 32 weight words (zero
    /// outside w), in 8-word chunks spread over the group's threads.
    /// </summary>
    private static void LoadTensorStage(ArrayView<float> x, ArrayView<ushort> w, long wAddress, ArrayView<ushort> tiles, int slot,
        int m, int n, int k, int m0, int n0, int k0, int tileM, int tileN, int threads, bool asyncWeights)
    {
        const int ChunksPerRow = TensorTileK / 8;
        for (int chunk = Group.IdxX; chunk < tileM * ChunksPerRow; chunk += threads)
        {
            int r = chunk / ChunksPerRow, c = (chunk % ChunksPerRow) * 8;
            int gm = m0 + r, gk = k0 + c, to = slot + r * TensorRowStride + c;
            long from = (long)gm * k + gk;
            for (int i = 0; i < 8; i++)
                tiles[to + i] = gm < m && gk + i < k ? Bf16.FromSingle(x[from + i]) : (ushort)0;
        }
        int weights = slot + tileM * TensorRowStride;
        for (int chunk = Group.IdxX; chunk < tileN * ChunksPerRow; chunk += threads)
        {
            int r = chunk / ChunksPerRow, c = (chunk % ChunksPerRow) * 8;
            int gn = n0 + r, gk = k0 + c, to = weights + r * TensorRowStride + c;
            int valid = gn < n ? Math.Max(0, Math.Min(8, k - gk)) : 0;
            long from = (long)gn * k + gk;
            if (asyncWeights)
                TensorCore.CopyAsync16(tiles, to, w, wAddress, from, valid);
            else
                for (int i = 0; i < 8; i++) tiles[to + i] = i < valid ? w[from + i] : (ushort)0;
        }
    }

    /// <summary>Writes one m16n8 accumulator fragment (rows row and row + 8, columns col and col + 1) through the epilogue.</summary>
    private static void StoreFragment(ArrayView<float> y, Bf16Words bias, Epilogue epilogue, int m, int n, int row, int col, Accumulator c)
    {
        if (row < m)
        {
            long o = (long)row * n;
            if (col < n) Store(y, bias, epilogue, o, col, c.C0);
            if (col + 1 < n) Store(y, bias, epilogue, o, col + 1, c.C1);
        }
        if (row + 8 < m)
        {
            long o = (long)(row + 8) * n;
            if (col < n) Store(y, bias, epilogue, o, col, c.C2);
            if (col + 1 < n) Store(y, bias, epilogue, o, col + 1, c.C3);
        }
    }
}
