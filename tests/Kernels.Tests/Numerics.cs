// PruneVid.NET — kernel tests.
using PruneVid.Compute;

namespace PruneVid.Kernels.Tests;

/// <summary>Random test data and tolerance checks.</summary>
internal static class Numerics
{
    public static float[] Uniform(int seed, int count, float low = -2f, float high = 2f)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = low + (float)random.NextDouble() * (high - low);
        return values;
    }

    /// <summary>Random bf16 words of values in [low, high).</summary>
    public static ushort[] UniformBf16(int seed, int count, float low = 0.5f, float high = 1.5f)
        => Uniform(seed, count, low, high).Select(Bf16.FromSingle).ToArray();

    /// <summary>Asserts |actual − expected| ≤ atol + rtol·|expected| element-wise, naming the first offender.</summary>
    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float rtol, float atol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            float bound = atol + rtol * MathF.Abs(expected[i]);
            if (!(MathF.Abs(actual[i] - expected[i]) <= bound))
                Assert.Fail($"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R} (tolerance {bound:G3})");
        }
    }
}
