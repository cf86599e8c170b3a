// PruneVid.NET — quantized weights: the ILGPU kernel of y = x · Wᵀ (+ bias) with packed weights.
using ILGPU;
using PruneVid.Kernels.Dsl;

namespace PruneVid.Kernels.Quantized;

/// <summary>The packing of a <see cref="QuantizedMatrix"/> as a kernel argument.</summary>
public readonly struct PackedShape(int rows, int columns, int bits, int groupSize, int groups, int rowBytes)
{
    /// <summary>N.</summary>
    public readonly int Rows = rows;
    /// <summary>K.</summary>
    public readonly int Columns = columns;
    /// <summary>4 or 8.</summary>
    public readonly int Bits = bits;
    /// <summary>Columns per scale.</summary>
    public readonly int GroupSize = groupSize;
    /// <summary>Groups per row.</summary>
    public readonly int Groups = groups;
    /// <summary>Bytes of codes per row.</summary>
    public readonly int RowBytes = rowBytes;

    /// <summary>The shape of <paramref name="matrix"/>.</summary>
    public static PackedShape Of(QuantizedMatrix matrix) =>
        new(matrix.Rows, matrix.Columns, matrix.Bits, matrix.GroupSize, matrix.Groups, matrix.RowBytes);
}

public static partial class QuantizedMatMul
{
    /// <summary>
    /// One thread per output (column n = index.X, row i = index.Y): the dot product of x's row with W's row n, each
    /// code read from its byte and dequantized as it is loaded ((q − z)·s in f32 with the f16 scale widened exactly, the reference's arithmetic), then
    /// bias and accumulation as the dense kernels do. Serves decode (M ≤ 8: every thread streams its own weight row)
    /// and prefill (threads of one row share x, threads of one column share W through the cache). An empty bias view is
    /// not allowed: pass any f32 view with <paramref name="hasBias"/> = 0.
    /// </summary>
    [Kernel(Reference = nameof(Reference))]
    public static void PackedKernel(Index2D index, ArrayView<float> x, ArrayView<byte> codes, ArrayView<ushort> scales, ArrayView<byte> zeros,
        ArrayView<float> bias, ArrayView<float> y, PackedShape shape, int m, int hasBias, int accumulate)
    {
        int column = index.X, row = index.Y;
        int k = shape.Columns;
        long xRow = (long)row * k, wRow = (long)column * shape.RowBytes, groupRow = (long)column * shape.Groups;
        float sum = 0;
        for (int c = 0; c < k; c++)
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
            sum += x[xRow + c] * ((code - zeros[g]) * HalfScales.ToSingle(scales[g]));
        }
        if (hasBias != 0) sum += bias[column];
        long o = (long)row * shape.Rows + column;
        y[o] = accumulate != 0 ? y[o] + sum : sum;
    }
}
