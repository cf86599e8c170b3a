// PruneVid.NET — model tests.
using Xunit;
namespace PruneVid.Model.Tests.Vision;

/// <summary>Max abs error and cosine similarity between an actual and an expected tensor, computed in double.</summary>
internal readonly record struct TensorComparison(double MaxAbsError, double Cosine)
{
    public static TensorComparison Of(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        if (actual.Length != expected.Length) throw new ArgumentException($"lengths differ: {actual.Length} vs {expected.Length}");
        double maxAbs = 0, dot = 0, na = 0, ne = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double a = actual[i], e = expected[i];
            maxAbs = Math.Max(maxAbs, Math.Abs(a - e));
            if (double.IsNaN(a)) maxAbs = double.PositiveInfinity;
            dot += a * e;
            na += a * a;
            ne += e * e;
        }
        double cosine = na == 0 && ne == 0 ? 1 : dot / Math.Sqrt(na * ne);
        return new TensorComparison(maxAbs, cosine);
    }

    /// <summary>Fails naming the tensor unless max abs ≤ <paramref name="maxAbs"/> and cosine ≥ <paramref name="minCosine"/>.</summary>
    public static TensorComparison AssertClose(string name, ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, double maxAbs, double minCosine)
    {
        var c = Of(actual, expected);
        Assert.True(c.MaxAbsError <= maxAbs && c.Cosine >= minCosine,
            $"{name}: max abs error {c.MaxAbsError:G4} (limit {maxAbs:G4}), cosine {c.Cosine:F8} (limit {minCosine})");
        return c;
    }

    public override string ToString() => $"max abs {MaxAbsError:E2}, cosine {Cosine:F8}";
}
