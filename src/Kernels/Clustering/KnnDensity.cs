// PruneVid.NET — clustering kernels.

namespace PruneVid.Kernels.Clustering;

/// <summary>
/// Local density of DPC-KNN: <c>ρ_i = exp(−mean of the k smallest D[i, ·]²)</c>. The k smallest entries include the
/// self-distance 0, exactly like the official <c>topk(largest=False)</c>, so only k − 1 are real neighbours. The
/// official 1e-6 random jitter is left out: ties are broken by index where densities are compared.
/// </summary>
public static partial class KnnDensity
{
    /// <summary>Plain reference over a [n, n] distance matrix; <paramref name="k"/> is clamped to [1, n].</summary>
    public static void Reference(ReadOnlySpan<float> distances, int n, int k, Span<float> density)
    {
        ClusteringChecks.Matrix(distances, n, n, nameof(distances));
        if (density.Length < n) throw new ArgumentException($"density holds {density.Length} values, expected {n}", nameof(density));
        if (n == 0) return;
        k = Math.Clamp(k, 1, n);
        float[] row = new float[n];
        for (int i = 0; i < n; i++)
        {
            distances.Slice(i * n, n).CopyTo(row);
            Array.Sort(row);
            float sum = 0f;
            for (int j = 0; j < k; j++) sum += row[j] * row[j];
            density[i] = MathF.Exp(-(sum / k));
        }
    }

    /// <summary>Largest k the device kernels support (a per-thread list of nearest distances is this long; <see cref="DpcKnnBatch"/>).</summary>
    public const int MaxDeviceK = 16;
}
