// PruneVid.NET — kernel lab: test data and error measures.
using PruneVid.Compute;

namespace PruneVid.Bench;

public static partial class KernelLab
{
    /// <summary>Uniform values in [−1, 1) from a fixed seed.</summary>
    internal static float[] Uniform(int seed, long count)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (long i = 0; i < count; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }

    /// <summary>Uniform bf16 words of values in [−1, 1).</summary>
    internal static ushort[] UniformBf16(int seed, long count)
    {
        float[] values = Uniform(seed, count);
        var words = new ushort[count];
        Bf16.FromSingle(values, words);
        return words;
    }

    internal static double MismatchCount(ReadOnlySpan<int> expected, ReadOnlySpan<int> actual)
    {
        int wrong = 0;
        for (int i = 0; i < expected.Length; i++) if (expected[i] != actual[i]) wrong++;
        return wrong;
    }
}
