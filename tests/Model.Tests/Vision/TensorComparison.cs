// PruneVid.NET — model tests.
using Xunit;
namespace PruneVid.Model.Tests.Vision;

/// <summary>Max abs error and cosine similarity between an actual and an expected tensor, computed in double.</summary>
internal readonly record struct TensorComparison(double MaxAbsError, double Cosine)
{
    public static TensorComparison Of(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        if (actual.Length != expected.Length) throw new ArgumentException($"lengths differ: {actual.Length} vs {expected.Length}");
        return new TensorComparison(Tools.Parity.TensorComparison.MaxAbsError(expected, actual),
            Tools.Parity.TensorComparison.Cosine(expected, actual));
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
