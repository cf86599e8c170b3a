// PruneVid.NET — quantized weights: quantize-on-load of a float weight matrix.
namespace PruneVid.Kernels.Quantized;

/// <summary>
/// Rounds a float [N, K] weight matrix to a <see cref="QuantizedMatrix"/>, group by group along K.
/// int8 is symmetric (s = max|w| / 127, q = round(w / s) + 128, z = 128): with 255 levels the zero point buys nothing.
/// int4 is asymmetric with a zero point, exactly AutoAWQ's <c>pseudo_quantize_tensor</c> (s = max(max − min, 1e-5) / 15,
/// z = clamp(−round(min / s), 0, 15), q = clamp(round(w / s) + z, 0, 15)): with only 16 levels, using the group's real
/// range instead of ±max|w| halves the step for the typical skewed group, and it is the format AWQ checkpoints use.
/// Scales are rounded to f16 before the codes are computed (as AutoAWQ's f16 arithmetic does), so every code is the
/// nearest one for the scale actually stored.
/// </summary>
public static class WeightQuantizer
{
    /// <summary>Group size of int8 weights: 128 columns (an f16 scale and a zero byte cost 0.023 bytes per weight).</summary>
    public const int Int8GroupSize = 128;

    /// <summary>Group size of int4 weights: 32 columns, the size that keeps a 4-bit rounding error small (an f16 scale and a zero byte cost 0.094 bytes per weight).</summary>
    public const int Int4GroupSize = 32;

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
            else QuantizeWithZeroPoint(matrix, r, g, start, group);
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

    private static void QuantizeWithZeroPoint(QuantizedMatrix matrix, int row, int g, int start, ReadOnlySpan<float> group)
    {
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        foreach (float w in group)
        {
            min = Math.Min(min, w);
            max = Math.Max(max, w);
        }
        float scale = (float)(Half)(Math.Max(max - min, 1e-5f) / 15f);
        float zero = Math.Clamp(-MathF.Round(min / scale), 0, 15);
        matrix.SetGroup(row, g, scale, (int)zero);
        for (int i = 0; i < group.Length; i++)
            matrix.SetCode(row, start + i, (int)Math.Clamp(MathF.Round(group[i] / scale) + zero, 0, 15));
    }
}
