// PruneVid.NET — quantized weights: the ILGPU decode GEMV with packed weights (one warp per output column).
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Kernels.Dsl;

namespace PruneVid.Kernels.Quantized;

public static partial class QuantizedMatMul
{
    /// <summary>Groups of <paramref name="threads"/> threads that give one warp to each of <paramref name="n"/> columns.</summary>
    public static int GemvGroups(int n, int threads, int warpSize) => (n + threads / warpSize - 1) / (threads / warpSize);

    /// <summary>
    /// y[M,N] = x · Wᵀ (+ bias) for small M (decode): each warp owns one output column n; its lanes stride over the
    /// packed row, lane l reading code l of each 32-wide block (for 4-bit codes, lanes l and l + 16 read the two
    /// nibbles of one byte, so a warp's loads of a block fall in 16 consecutive bytes), dequantize it in a register
    /// ((q − z)·s with the f16 scale widened exactly, the reference's arithmetic) and a shuffle reduction sums the lanes. Weight traffic is one pass per
    /// input row. Launch with <see cref="GemvGroups"/> groups; an empty bias is not allowed (pass any f32 view with
    /// <paramref name="hasBias"/> = 0).
    /// </summary>
    [Kernel(Reference = nameof(Reference), GroupSizeTunable = nameof(threads))]
    public static void PackedGemvKernel(ArrayView<float> x, ArrayView<byte> codes, ArrayView<ushort> scales, ArrayView<byte> zeros,
        ArrayView<float> bias, ArrayView<float> y, PackedShape shape, int m, int hasBias, int accumulate,
        [Tunable(16, 32, 64, 128, 256)] SpecializedValue<int> threads)
    {
        int column = Grid.IdxX * (threads.Value / Warp.WarpSize) + Warp.WarpIdx;
        if (column >= shape.Rows) return; // the whole warp leaves together, so the shuffles below stay converged
        int lane = Warp.LaneIdx, width = Warp.WarpSize, k = shape.Columns;
        long wRow = (long)column * shape.RowBytes, groupRow = (long)column * shape.Groups;
        float b = hasBias != 0 ? bias[column] : 0f;
        for (int r = 0; r < m; r++)
        {
            long xRow = (long)r * k;
            float acc = 0f;
            for (int c = lane; c < k; c += width)
            {
                int code;
                if (shape.Bits == 8) code = codes[wRow + c];
                else
                {
                    int j = c & 31;
                    int pair = codes[wRow + (c >> 5) * 16 + (j & 15)];
                    code = j < 16 ? pair & 15 : pair >> 4;
                }
                long g = groupRow + c / shape.GroupSize;
                acc += x[xRow + c] * ((code - zeros[g]) * HalfScales.ToSingle(scales[g]));
            }
            for (int offset = width / 2; offset > 0; offset /= 2) acc += Warp.ShuffleDown(acc, offset);
            long o = (long)r * shape.Rows + column;
            if (lane == 0) y[o] = accumulate != 0 ? y[o] + (acc + b) : acc + b;
        }
    }
}
