// PruneVid.NET — clustering kernels.

namespace PruneVid.Kernels.Clustering;

/// <summary>
/// Centre score of DPC-KNN: <c>γ_i = ρ_i · δ_i</c>, where δ_i is the distance to the nearest point of higher density
/// and, for the density peak, the global maximum of the distance matrix (not the row maximum, as in the official code).
/// "Higher density" is the strict order (ρ desc, index asc): a deterministic stand-in for the official random jitter.
/// </summary>
public static partial class DensityPeakScore
{
    /// <summary>True when point <paramref name="j"/> ranks above point <paramref name="i"/> by density.</summary>
    public static bool Denser(float densityJ, int j, float densityI, int i) => densityJ > densityI || (densityJ == densityI && j < i);

    /// <summary>Plain reference over a [n, n] distance matrix and n densities.</summary>
    public static void Reference(ReadOnlySpan<float> distances, ReadOnlySpan<float> density, int n, Span<float> score)
    {
        ClusteringChecks.Matrix(distances, n, n, nameof(distances));
        if (density.Length < n || score.Length < n) throw new ArgumentException($"density and score must hold {n} values");
        float max = 0f;
        for (int i = 0; i < n * n; i++) max = MathF.Max(max, distances[i]);
        for (int i = 0; i < n; i++)
        {
            float delta = max;
            for (int j = 0; j < n; j++)
                if (Denser(density[j], j, density[i], i) && distances[i * n + j] < delta) delta = distances[i * n + j];
            score[i] = delta * density[i];
        }
    }

    /// <summary>
    /// The <paramref name="m"/> highest scores, highest first (torch <c>topk</c> order), ties to the lower index.
    /// </summary>
    public static int[] TopCenters(ReadOnlySpan<float> score, int n, int m)
    {
        if (m < 0 || m > n) throw new ArgumentOutOfRangeException(nameof(m), $"cannot pick {m} centres among {n} points");
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        float[] s = score[..n].ToArray();
        Array.Sort(order, (a, b) => s[a] != s[b] ? s[b].CompareTo(s[a]) : a.CompareTo(b));
        return order[..m];
    }
}
