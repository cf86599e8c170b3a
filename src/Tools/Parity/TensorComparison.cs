// PruneVid.NET — parity against reference activations.
namespace PruneVid.Tools.Parity;

/// <summary>Distance measures between a reference tensor and ours.</summary>
public static class TensorComparison
{
    /// <summary>max |expected − actual| (infinity when the lengths differ or a value is NaN).</summary>
    public static double MaxAbsError(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        if (expected.Length != actual.Length) return double.PositiveInfinity;
        double max = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = Math.Abs((double)expected[i] - actual[i]);
            if (double.IsNaN(d)) return double.PositiveInfinity;
            max = Math.Max(max, d);
        }
        return max;
    }

    /// <summary>Cosine similarity of the flattened tensors (1 for two zero tensors, 0 when the lengths differ).</summary>
    public static double Cosine(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        if (expected.Length != actual.Length) return 0;
        double dot = 0, ee = 0, aa = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            dot += (double)expected[i] * actual[i];
            ee += (double)expected[i] * expected[i];
            aa += (double)actual[i] * actual[i];
        }
        if (ee == 0 && aa == 0) return 1;
        if (ee == 0 || aa == 0) return 0;
        return dot / Math.Sqrt(ee * aa);
    }

    /// <summary>Fraction of equal entries (0 when the lengths differ; 1 for two empty lists).</summary>
    public static double MatchFraction(ReadOnlySpan<long> expected, ReadOnlySpan<long> actual)
    {
        if (expected.Length != actual.Length) return 0;
        if (expected.Length == 0) return 1;
        int same = 0;
        for (int i = 0; i < expected.Length; i++) if (expected[i] == actual[i]) same++;
        return (double)same / expected.Length;
    }

    /// <summary>Row-wise argmax (lowest index on ties) of a [rows, width] tensor.</summary>
    public static long[] RowArgMax(ReadOnlySpan<float> values, int width)
    {
        var result = new long[values.Length / width];
        for (int r = 0; r < result.Length; r++)
        {
            var row = values.Slice(r * width, width);
            int best = 0;
            for (int j = 1; j < width; j++) if (row[j] > row[best]) best = j;
            result[r] = best;
        }
        return result;
    }
}
