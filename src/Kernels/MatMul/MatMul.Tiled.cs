// PruneVid.NET — kernels: portable tiled GEMM (shared-memory tiles, f32 accumulation).
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Kernels.Dsl;

namespace PruneVid.Kernels;

public static partial class MatMul
{
    /// <summary>Depth of one shared-memory tile: a multiple of 16, the k of an <c>mma.sync.m16n8k16</c> step.</summary>
    public const int TileK = 16;

    /// <summary>Largest output tile side of the tiled kernels (sizes their shared memory).</summary>
    public const int MaxTile = 64;

    /// <summary>Output tile side for a group of <paramref name="threads"/> threads (each thread owns 4×4 outputs).</summary>
    public static int TileFor(int threads) => threads == 16 ? 16 : threads == 64 ? 32 : 64;

    /// <summary>Groups needed for an [M,N] output with the tile of <paramref name="threads"/>.</summary>
    public static int TiledGroups(int m, int n, int threads)
    {
        long tile = TileFor(threads);
        return checked((int)(((m + tile - 1) / tile) * ((n + tile - 1) / tile)));
    }

    /// <summary>
    /// Portable tiled GEMM with bf16 weights: one group per T×T output tile (T = 16/32/64 for 16/64/256 threads), K
    /// walked in <see cref="TileK"/>-deep slices staged in shared memory as f32. An empty <paramref name="bias"/> view
    /// means no bias; <paramref name="accumulate"/> ≠ 0 adds the result to y (the residual add of o_proj and down) instead
    /// of overwriting it. Launch with <see cref="TiledGroups"/> groups.
    /// </summary>
    /// <remarks>
    /// Tiles are multiples of 16 in M and K and of 8 in N, so a tensor-core variant can keep this grid and tiling and
    /// replace the inner loop by <c>mma.sync.m16n8k16</c> fragments (it would stage bf16, not f32, in shared memory).
    /// </remarks>
    [Kernel(Reference = nameof(Reference), GroupSizeTunable = nameof(threads))]
    public static void TiledKernel(ArrayView<float> x, ArrayView<ushort> w, ArrayView<ushort> bias, ArrayView<float> y,
        int m, int n, int k, int hasBias, int accumulate, [Tunable(16, 64, 256)] SpecializedValue<int> threads)
        => Tiled(x, new Bf16Words(w), new Bf16Words(bias), new Epilogue(hasBias != 0, accumulate != 0), y, m, n, k, threads.Value);

    /// <summary>The same tiled GEMM with f32 weights and bias.</summary>
    [Kernel(Reference = nameof(Reference), GroupSizeTunable = nameof(threads))]
    public static void TiledF32Kernel(ArrayView<float> x, ArrayView<float> w, ArrayView<float> bias, ArrayView<float> y,
        int m, int n, int k, int hasBias, int accumulate, [Tunable(16, 64, 256)] SpecializedValue<int> threads)
        => Tiled(x, new F32Words(w), new F32Words(bias), new Epilogue(hasBias != 0, accumulate != 0), y, m, n, k, threads.Value);

    /// <summary>
    /// The tile loop. Thread (tx, ty) of a side×side grid (side = T/4) owns rows ty + i·side and columns tx + j·side
    /// of the tile (i, j &lt; 4): interleaved rather than blocked, so neighbouring threads read neighbouring shared
    /// words and write neighbouring outputs. Shared rows are padded by one word against bank conflicts on the
    /// transposing store.
    /// </summary>
    private static void Tiled<TW>(ArrayView<float> x, TW w, TW bias, Epilogue epilogue, ArrayView<float> y, int m, int n, int k, int threads)
        where TW : struct, IWeightWords
    {
        int tilesN = (n + TileFor(threads) - 1) / TileFor(threads);
        TiledTile(x, w, bias, epilogue, y, m, n, k, threads, Grid.IdxX / tilesN, Grid.IdxX % tilesN);
    }

    /// <summary>What the tiled kernels do with a finished output: add the bias, add to y.</summary>
    private readonly struct Epilogue(bool hasBias, bool accumulate)
    {
        public readonly bool HasBias = hasBias;
        public readonly bool Accumulate = accumulate;
    }

    /// <summary>
    /// One output tile (tile row <paramref name="tileM"/>, tile column <paramref name="tileN"/>) of the tiled GEMM; the
    /// grouped kernels (one launch for several weights) call it with the tile they map their group to.
    /// </summary>
    private static void TiledTile<TW>(ArrayView<float> x, TW w, TW bias, Epilogue epilogue, ArrayView<float> y, int m, int n, int k,
        int threads, int tileM, int tileN) where TW : struct, IWeightWords
    {
        var xs = SharedMemory.Allocate<float>(TileK * (MaxTile + 1));
        var ws = SharedMemory.Allocate<float>(TileK * (MaxTile + 1));
        int tile = TileFor(threads), side = tile / 4, stride = tile + 1;
        int t = Group.IdxX, tx = t % side, ty = t / side;
        int m0 = tileM * tile, n0 = tileN * tile;

        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (int k0 = 0; k0 < k; k0 += TileK)
        {
            // Stage x[m0.., k0..] and w[n0.., k0..] transposed (k-major), zero outside the matrices.
            for (int e = t; e < tile * TileK; e += threads)
            {
                int r = e / TileK, kk = e - r * TileK, gk = k0 + kk;
                int gm = m0 + r, gn = n0 + r;
                xs[kk * stride + r] = gm < m && gk < k ? x[(long)gm * k + gk] : 0f;
                ws[kk * stride + r] = gn < n && gk < k ? w.Load((long)gn * k + gk) : 0f;
            }
            Group.Barrier();
            for (int kk = 0; kk < TileK; kk++)
            {
                int xb = kk * stride + ty, wb = kk * stride + tx;
                float a0 = xs[xb], a1 = xs[xb + side], a2 = xs[xb + 2 * side], a3 = xs[xb + 3 * side];
                float b0 = ws[wb], b1 = ws[wb + side], b2 = ws[wb + 2 * side], b3 = ws[wb + 3 * side];
                c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
                c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
                c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
                c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
            }
            Group.Barrier();
        }

        int col = n0 + tx;
        StoreRow(y, bias, epilogue, m, n, m0 + ty, col, side, c00, c01, c02, c03);
        StoreRow(y, bias, epilogue, m, n, m0 + ty + side, col, side, c10, c11, c12, c13);
        StoreRow(y, bias, epilogue, m, n, m0 + ty + 2 * side, col, side, c20, c21, c22, c23);
        StoreRow(y, bias, epilogue, m, n, m0 + ty + 3 * side, col, side, c30, c31, c32, c33);
    }

    /// <summary>Writes one thread's four outputs of a row (columns col + j·side) through the epilogue, inside the matrix only.</summary>
    private static void StoreRow<TW>(ArrayView<float> y, TW bias, Epilogue epilogue, int m, int n, int row, int col, int side,
        float v0, float v1, float v2, float v3) where TW : struct, IWeightWords
    {
        if (row >= m) return;
        long o = (long)row * n;
        if (col < n) Store(y, bias, epilogue, o, col, v0);
        if (col + side < n) Store(y, bias, epilogue, o, col + side, v1);
        if (col + 2 * side < n) Store(y, bias, epilogue, o, col + 2 * side, v2);
        if (col + 3 * side < n) Store(y, bias, epilogue, o, col + 3 * side, v3);
    }

    /// <summary>y[o + col] = value (+ bias[col]), added to the old y when accumulating: the rounding of a separate add.</summary>
    private static void Store<TW>(ArrayView<float> y, TW bias, Epilogue epilogue, long o, int col, float value) where TW : struct, IWeightWords
    {
        float v = epilogue.HasBias ? value + bias.Load(col) : value;
        y[o + col] = epilogue.Accumulate ? y[o + col] + v : v;
    }
}
