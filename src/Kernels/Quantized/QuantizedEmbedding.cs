// PruneVid.NET — quantized weights: token embedding lookup from a packed table.
using ILGPU;
using PruneVid.Kernels.Dsl;

namespace PruneVid.Kernels.Quantized;

/// <summary>
/// y[i, :] = the dequantized row clamp(ids[i]) of a packed [vocab, width] table (an id outside the vocabulary reads
/// the first or last row, the policy of <see cref="Embedding"/>). A tied embedding packed for its use as the lm_head
/// serves the lookup too, so the model keeps one packed copy and no bf16 table.
/// </summary>
public static partial class QuantizedEmbedding
{
    /// <summary>The plain reference: every value through <see cref="QuantizedMatrix.Dequantize"/>.</summary>
    public static void Reference(QuantizedMatrix table, ReadOnlySpan<int> ids, Span<float> y)
    {
        ArgumentNullException.ThrowIfNull(table);
        int width = table.Columns;
        if (y.Length < (long)ids.Length * width) throw new ArgumentException($"quantized embedding: y has {y.Length} values, {ids.Length} rows of {width} need more");
        for (int i = 0; i < ids.Length; i++)
        {
            int row = (int)Rows.ClampRow(ids[i], table.Rows);
            for (int c = 0; c < width; c++) y[i * width + c] = table.Dequantize(row, c);
        }
    }

    /// <summary>The Cpu path: each row dequantized with the GEMM's panel routine (16 codes per step), equal to the reference.</summary>
    public static void Run(QuantizedMatrix table, ReadOnlySpan<int> ids, Span<float> y)
    {
        ArgumentNullException.ThrowIfNull(table);
        int width = table.Columns;
        if (y.Length < (long)ids.Length * width) throw new ArgumentException($"quantized embedding: y has {y.Length} values, {ids.Length} rows of {width} need more");
        for (int i = 0; i < ids.Length; i++)
            CpuQuantizedGemm.DequantizeRow(table, (int)Rows.ClampRow(ids[i], table.Rows), y.Slice(i * width, width));
    }

    /// <summary>The Cpu path for a tiled table: each row through <see cref="QuantizedTiles.DequantizeRow"/>, equal to the reference.</summary>
    public static void Run(QuantizedTiles table, ReadOnlySpan<int> ids, Span<float> y)
    {
        ArgumentNullException.ThrowIfNull(table);
        int width = table.Columns;
        if (y.Length < (long)ids.Length * width) throw new ArgumentException($"quantized embedding: y has {y.Length} values, {ids.Length} rows of {width} need more");
        for (int i = 0; i < ids.Length; i++) table.DequantizeRow((int)Rows.ClampRow(ids[i], table.Rows), y.Slice(i * width, width));
    }

    /// <summary>One thread per output element: y[i, c] = (q − z)·s of row clamp(ids[i]), column c; extent: ids · width.</summary>
    [Kernel(Reference = nameof(Reference))]
    public static void PackedKernel(Index1D index, ArrayView<byte> codes, ArrayView<ushort> scales, ArrayView<byte> zeros,
        ArrayView<int> ids, ArrayView<float> y, PackedShape shape)
    {
        int width = shape.Columns;
        long i = index / width;
        int c = (int)(index - i * width);
        long row = Rows.ClampRow(ids[i], shape.Rows);
        int code;
        if (shape.Bits == 8) code = codes[row * shape.RowBytes + c];
        else
        {
            int j = c & 31;
            int pair = codes[row * shape.RowBytes + (c >> 5) * 16 + (j & 15)];
            code = j < 16 ? pair & 15 : pair >> 4;
        }
        long g = row * shape.Groups + c / shape.GroupSize;
        y[index] = (code - zeros[g]) * HalfScales.ToSingle(scales[g]);
    }
}
