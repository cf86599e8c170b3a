// PruneVid.NET — kernels: matrix-vector product for decode (one warp per output, bf16 pairs loaded as one word).
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Kernels.Dsl;

namespace PruneVid.Kernels;

public static partial class MatMul
{
    /// <summary>Largest M the GEMV kernel is meant for: it re-reads each weight row once per input row.</summary>
    public const int GemvMaxRows = 8;

    /// <summary>Groups needed by <see cref="GemvKernel"/> for N outputs per row.</summary>
    public static int GemvGroups(int n, int threads, int warpSize) => (n + threads / warpSize - 1) / (threads / warpSize);

    /// <summary>
    /// y[M,N] = x[M,K] · w[N,K]ᵀ (+ bias) for small M (decode): each warp owns one output column n, its lanes stride
    /// over the weight row reading two bf16 words per 32-bit load, and a shuffle reduction sums the lanes. Weight
    /// traffic is one pass per input row, so this is bandwidth-bound as a decode step should be. K must be even (the
    /// host views the bf16 weights as <paramref name="wPairs"/> = uint[N·K/2]). With <paramref name="hasBias"/> = 0 the bias view is not read;
    /// <paramref name="accumulate"/> ≠ 0 adds the result to y instead of overwriting it.
    /// Launch with <see cref="GemvGroups"/> groups.
    /// </summary>
    [Kernel(Reference = nameof(Reference), GroupSizeTunable = nameof(threads))]
    public static void GemvKernel(ArrayView<float> x, ArrayView<uint> wPairs, ArrayView<ushort> bias, ArrayView<float> y,
        int m, int n, int k, int hasBias, int accumulate, [Tunable(16, 32, 64, 128, 256)] SpecializedValue<int> threads)
    {
        int column = Grid.IdxX * (threads.Value / Warp.WarpSize) + Warp.WarpIdx;
        if (column >= n) return; // the whole warp leaves together, so the shuffles below stay converged
        GemvColumn(x, wPairs, bias, y, m, n, k, hasBias, accumulate, column);
    }

    /// <summary>One warp's output column of the GEMV, for every row of x (shared by the single and the fused kernels).</summary>
    private static void GemvColumn(ArrayView<float> x, ArrayView<uint> wPairs, ArrayView<ushort> bias, ArrayView<float> y,
        int m, int n, int k, int hasBias, int accumulate, int column)
    {
        int lane = Warp.LaneIdx, width = Warp.WarpSize;
        int pairs = k / 2;
        long wRow = (long)column * pairs;
        float b = hasBias != 0 ? Interop.IntAsFloat((uint)bias[column] << 16) : 0f;
        for (int r = 0; r < m; r++)
        {
            long xRow = (long)r * k;
            float acc = 0f;
            for (int p = lane; p < pairs; p += width)
            {
                uint two = wPairs[wRow + p];
                acc += x[xRow + 2 * p] * Interop.IntAsFloat(two << 16) + x[xRow + 2 * p + 1] * Interop.IntAsFloat(two & 0xFFFF0000u);
            }
            for (int offset = width / 2; offset > 0; offset /= 2) acc += Warp.ShuffleDown(acc, offset);
            long o = (long)r * n + column;
            if (lane == 0) y[o] = accumulate != 0 ? y[o] + (acc + b) : acc + b;
        }
    }
}
