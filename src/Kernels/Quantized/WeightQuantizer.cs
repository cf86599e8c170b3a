// PruneVid.NET — quantized weights: quantize-on-load of a float weight matrix.
namespace PruneVid.Kernels.Quantized;

/// <summary>
/// Rounds a float [N, K] weight matrix to a <see cref="QuantizedMatrix"/>, group by group along K.
/// int8 is symmetric (s = max|w| / 127, q = round(w / s) + 128, z = 128): with 255 levels the zero point buys nothing.
/// int4 is asymmetric with a zero point, exactly AutoAWQ's <c>pseudo_quantize_tensor</c> (s = max(max − min, 1e-5) / 15,
/// z = clamp(−round(min / s), 0, 15), q = clamp(round(w / s) + z, 0, 15)): with only 16 levels, using the group's real
/// range instead of ±max|w| halves the step for the typical skewed group, and it is the format AWQ checkpoints use.
/// </summary>
public static class WeightQuantizer
{
    /// <summary>Group size of int8 weights: 128 columns (scales cost 0.06 bytes per weight).</summary>
    public const int Int8GroupSize = 128;

    /// <summary>Group size of int4 weights: 32 columns, the size that keeps a 4-bit rounding error small (0.25 bytes per weight of scales).</summary>
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

    private static void QuantizeRow(QuantizedMatrix matrix, ReadOnlySpan<float> row, int r, int bits)
    {
        for (int g = 0; g < matrix.Groups; g++)
        {
            int start = g * matrix.GroupSize, end = Math.Min(row.Length, start + matrix.GroupSize);
            ReadOnlySpan<float> group = row[start..end];
            long at = (long)r * matrix.Groups + g;
            if (bits == 8) QuantizeSymmetric(matrix, r, start, group, at);
            else QuantizeWithZeroPoint(matrix, r, start, group, at);
        }
    }

    private static void QuantizeSymmetric(QuantizedMatrix matrix, int row, int start, ReadOnlySpan<float> group, long at)
    {
        float maxAbs = 0;
        foreach (float w in group) maxAbs = Math.Max(maxAbs, Math.Abs(w));
        float scale = maxAbs / 127f;
        matrix.Scales[at] = scale;
        matrix.Zeros[at] = 128;
        for (int i = 0; i < group.Length; i++)
            matrix.SetCode(row, start + i, scale == 0 ? 128 : (int)Math.Clamp(MathF.Round(group[i] / scale), -127, 127) + 128);
    }

    private static void QuantizeWithZeroPoint(QuantizedMatrix matrix, int row, int start, ReadOnlySpan<float> group, long at)
    {
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        foreach (float w in group)
        {
            min = Math.Min(min, w);
            max = Math.Max(max, w);
        }
        float scale = Math.Max(max - min, 1e-5f) / 15f;
        float zero = Math.Clamp(-MathF.Round(min / scale), 0, 15);
        matrix.Scales[at] = scale;
        matrix.Zeros[at] = zero;
        for (int i = 0; i < group.Length; i++)
            matrix.SetCode(row, start + i, (int)Math.Clamp(MathF.Round(group[i] / scale) + zero, 0, 15));
    }
}
