// PruneVid.NET — kernels: up to three matrix multiplies that read the same x, in one launch (q/k/v; gate/up).
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Kernels.Dsl;

namespace PruneVid.Kernels;

public static partial class MatMul
{
    /// <summary>Groups of one <see cref="ProjectTiledKernel"/> launch: the tiled groups of every slot, one after another.</summary>
    public static int ProjectTiledGroups(ProjectionShapes shapes, int threads)
        => checked(SlotTiles(shapes.M, shapes.N0, threads) + SlotTiles(shapes.M, shapes.N1, threads) + SlotTiles(shapes.M, shapes.N2, threads));

    private static int SlotTiles(int m, int n, int threads) => n == 0 ? 0 : TiledGroups(m, n, threads);

    /// <summary>
    /// The tiled GEMM of <see cref="TiledKernel"/> for up to three bf16 weights that read the same x: slot i's
    /// output = x · w_iᵀ (+ bias_i). The weights stay separate tensors (the checkpoint's own, no concatenated copy);
    /// the grid is slot 0's tiles, then slot 1's, then slot 2's, so each group computes one tile of one slot exactly
    /// as <see cref="TiledKernel"/> would. Launch with <see cref="ProjectTiledGroups"/> groups.
    /// </summary>
    [Kernel(Reference = nameof(Reference), GroupSizeTunable = nameof(threads))]
    public static void ProjectTiledKernel(ArrayView<float> x,
        ArrayView<ushort> w0, ArrayView<ushort> bias0, ArrayView<float> y0,
        ArrayView<ushort> w1, ArrayView<ushort> bias1, ArrayView<float> y1,
        ArrayView<ushort> w2, ArrayView<ushort> bias2, ArrayView<float> y2,
        ProjectionShapes shapes, [Tunable(16, 64, 256)] SpecializedValue<int> threads)
        => ProjectTiled(x, new Bf16Words(w0), new Bf16Words(bias0), y0, new Bf16Words(w1), new Bf16Words(bias1), y1,
            new Bf16Words(w2), new Bf16Words(bias2), y2, shapes, threads.Value);

    /// <summary>The same fused tiled GEMM with f32 weights and biases.</summary>
    [Kernel(Reference = nameof(Reference), GroupSizeTunable = nameof(threads))]
    public static void ProjectTiledF32Kernel(ArrayView<float> x,
        ArrayView<float> w0, ArrayView<float> bias0, ArrayView<float> y0,
        ArrayView<float> w1, ArrayView<float> bias1, ArrayView<float> y1,
        ArrayView<float> w2, ArrayView<float> bias2, ArrayView<float> y2,
        ProjectionShapes shapes, [Tunable(16, 64, 256)] SpecializedValue<int> threads)
        => ProjectTiled(x, new F32Words(w0), new F32Words(bias0), y0, new F32Words(w1), new F32Words(bias1), y1,
            new F32Words(w2), new F32Words(bias2), y2, shapes, threads.Value);

    private static void ProjectTiled<TW>(ArrayView<float> x, TW w0, TW bias0, ArrayView<float> y0, TW w1, TW bias1, ArrayView<float> y1,
        TW w2, TW bias2, ArrayView<float> y2, ProjectionShapes s, int threads) where TW : struct, IWeightWords
    {
        int tile = TileFor(threads), tilesM = (s.M + tile - 1) / tile;
        int tiles0 = s.N0 == 0 ? 0 : tilesM * ((s.N0 + tile - 1) / tile);
        int tiles1 = s.N1 == 0 ? 0 : tilesM * ((s.N1 + tile - 1) / tile);
        int g = Grid.IdxX;
        // The whole group takes one slot, so the barriers inside the tile loop stay uniform.
        int slot = g < tiles0 ? 0 : g < tiles0 + tiles1 ? 1 : 2;
        int local = slot == 0 ? g : slot == 1 ? g - tiles0 : g - tiles0 - tiles1;
        int n = s.N(slot), tilesN = (n + tile - 1) / tile;
        TW w = slot == 0 ? w0 : slot == 1 ? w1 : w2;
        TW bias = slot == 0 ? bias0 : slot == 1 ? bias1 : bias2;
        ArrayView<float> y = slot == 0 ? y0 : slot == 1 ? y1 : y2;
        TiledTile(x, w, bias, new Epilogue(((s.BiasMask >> slot) & 1) != 0, false), y, s.M, n, s.K, threads, local / tilesN, local % tilesN);
    }

    /// <summary>
    /// The GEMV of <see cref="GemvKernel"/> for up to three bf16 weights that read the same x (decode): one warp per
    /// output column over the columns of slot 0, then 1, then 2. Every weight must start 4-byte aligned with K even
    /// (as for <see cref="GemvKernel"/>). Launch with <see cref="GemvGroups"/>(<see cref="ProjectionShapes.TotalN"/>) groups.
    /// </summary>
    [Kernel(Reference = nameof(Reference), GroupSizeTunable = nameof(threads))]
    public static void ProjectGemvKernel(ArrayView<float> x,
        ArrayView<uint> wPairs0, ArrayView<ushort> bias0, ArrayView<float> y0,
        ArrayView<uint> wPairs1, ArrayView<ushort> bias1, ArrayView<float> y1,
        ArrayView<uint> wPairs2, ArrayView<ushort> bias2, ArrayView<float> y2,
        ProjectionShapes s, [Tunable(16, 32, 64, 128, 256)] SpecializedValue<int> threads)
    {
        int column = Grid.IdxX * (threads.Value / Warp.WarpSize) + Warp.WarpIdx;
        if (column >= s.TotalN) return; // the whole warp leaves together
        int slot = column < s.N0 ? 0 : column < s.N0 + s.N1 ? 1 : 2;
        int local = slot == 0 ? column : slot == 1 ? column - s.N0 : column - s.N0 - s.N1;
        ArrayView<uint> w = slot == 0 ? wPairs0 : slot == 1 ? wPairs1 : wPairs2;
        ArrayView<ushort> bias = slot == 0 ? bias0 : slot == 1 ? bias1 : bias2;
        ArrayView<float> y = slot == 0 ? y0 : slot == 1 ? y1 : y2;
        GemvColumn(x, w, bias, y, s.M, s.N(slot), s.K, (s.BiasMask >> slot) & 1, 0, local);
    }
}
