// PruneVid.NET — quantized weights: quantize-on-load of a float weight matrix.
namespace PruneVid.Kernels.Quantized;

/// <summary>
/// Rounds a float [N, K] weight matrix to a <see cref="QuantizedMatrix"/>, group by group along K.
/// int8 is symmetric (s = max|w| / 127 rounded to f16, q = round(w / s) + 128, z = 128): with 255 levels the zero
/// point buys nothing. int4 is ggml's Q4_0 arithmetic in groups of 32 (<see cref="Q4_0Block"/>): s = (the weight of
/// largest magnitude, with its sign) / −8, so that weight lands exactly on code 0 and the 16 levels lean towards the
/// side that needs them; z = 8. Both are symmetric, so the zero point is one number per matrix and costs no bytes
/// (<see cref="QuantizedTiles.SharedZero"/>), and int4 holds exactly the numbers llama.cpp's q4_0 holds.
/// </summary>
public static class WeightQuantizer
{
    /// <summary>Group size of int8 weights: 128 columns (an f16 scale costs 0.016 bytes per weight; the zero point, 128, is shared).</summary>
    public const int Int8GroupSize = 128;

    /// <summary>Group size of int4 weights: 32 columns, Q4_0's block (an f16 scale costs 0.0625 bytes per weight).</summary>
    public const int Int4GroupSize = 32;

    /// <summary>The zero point of int4 weights: codes 0..15 stand for −8..7 steps.</summary>
    public const int Int4Zero = 8;

    /// <summary>Quantizes row-major <paramref name="weights"/> [rows, columns] to <paramref name="bits"/> = 8 or 4.</summary>
    public static QuantizedMatrix Quantize(ReadOnlySpan<float> weights, int rows, int columns, int bits)
    {
        if ((long)rows * columns != weights.Length) throw new ArgumentException($"{weights.Length} weights do not make [{rows},{columns}]", nameof(weights));
        var matrix = new QuantizedMatrix(bits, rows, columns, bits == 8 ? Int8GroupSize : Int4GroupSize);
        unsafe
        {
            fixed (float* p = weights)
            {
                nint source = (nint)p; // rows are independent (a row's codes never share a byte with another row's)
                Parallel.For(0, rows, r => QuantizeRow(matrix, new ReadOnlySpan<float>((float*)source + (long)r * columns, columns), r, bits));
            }
        }
        return matrix;
    }

    /// <summary>
    /// Quantizes row-major bf16 <paramref name="weights"/> (raw words) the way <see cref="Quantize"/> quantizes their
    /// exact f32 values, widening one row at a time, so no f32 copy of the matrix is ever made.
    /// </summary>
    public static QuantizedMatrix QuantizeBf16(ReadOnlySpan<ushort> weights, int rows, int columns, int bits)
    {
        if ((long)rows * columns != weights.Length) throw new ArgumentException($"{weights.Length} weights do not make [{rows},{columns}]", nameof(weights));
        var matrix = new QuantizedMatrix(bits, rows, columns, bits == 8 ? Int8GroupSize : Int4GroupSize);
        unsafe
        {
            fixed (ushort* p = weights)
            {
                nint source = (nint)p;
                Parallel.For(0, rows, () => new float[columns], (r, _, row) =>
                {
                    var words = new ReadOnlySpan<ushort>((ushort*)source + (long)r * columns, columns);
                    for (int c = 0; c < columns; c++) row[c] = BitConverter.UInt32BitsToSingle((uint)words[c] << 16);
                    QuantizeRow(matrix, row, r, bits);
                    return row;
                }, _ => { });
            }
        }
        return matrix;
    }

    private static void QuantizeRow(QuantizedMatrix matrix, ReadOnlySpan<float> row, int r, int bits)
    {
        for (int g = 0; g < matrix.Groups; g++)
        {
            int start = g * matrix.GroupSize, end = Math.Min(row.Length, start + matrix.GroupSize);
            ReadOnlySpan<float> group = row[start..end];
            if (bits == 8) QuantizeSymmetric(matrix, r, g, start, group);
            else QuantizeQ4_0(matrix, r, g, start, group);
        }
    }

    private static void QuantizeSymmetric(QuantizedMatrix matrix, int row, int g, int start, ReadOnlySpan<float> group)
    {
        float maxAbs = 0;
        foreach (float w in group) maxAbs = Math.Max(maxAbs, Math.Abs(w));
        float scale = matrix.SetGroup(row, g, maxAbs / 127f, 128);
        for (int i = 0; i < group.Length; i++)
            matrix.SetCode(row, start + i, scale == 0 ? 128 : (int)Math.Clamp(MathF.Round(group[i] / scale), -127, 127) + 128);
    }

    private static void QuantizeQ4_0(QuantizedMatrix matrix, int row, int g, int start, ReadOnlySpan<float> group)
    {
        Span<int> codes = stackalloc int[QuantizedMatrix.Block];
        codes = codes[..group.Length];
        matrix.SetGroup(row, g, Q4_0Block(group, codes), Int4Zero);
        for (int i = 0; i < group.Length; i++) matrix.SetCode(row, start + i, codes[i]);
    }

    /// <summary>
    /// ggml's <c>quantize_row_q4_0_ref</c> for one block of at most 32 weights: returns the scale d = (the value of
    /// largest magnitude) / −8 (the caller stores it as f16) and writes the codes min(15, ⌊w/d + 8.5⌋), computed with
    /// the f32 d as ggml does, so w ≈ (q − 8)·d. An all-zero block gets d = 0 and codes 8.
    /// </summary>
    public static float Q4_0Block(ReadOnlySpan<float> weights, Span<int> codes)
    {
        float maxAbs = 0, extreme = 0;
        foreach (float w in weights)
            if (Math.Abs(w) > maxAbs) (maxAbs, extreme) = (Math.Abs(w), w);
        float d = extreme / -8f, inverse = d == 0 ? 0 : 1 / d;
        for (int i = 0; i < weights.Length; i++) codes[i] = Math.Min(15, (int)(weights[i] * inverse + 8.5f));
        return d;
    }
}
