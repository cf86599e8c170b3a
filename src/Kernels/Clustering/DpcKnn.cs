// PruneVid.NET — clustering kernels.
namespace PruneVid.Kernels.Clustering;

/// <summary>Result of one DPC-KNN run: centres in score-rank order and one label per point.</summary>
/// <param name="Centers">Indices of the centres, highest score first; cluster r is centred on <c>Centers[r]</c>.</param>
/// <param name="Labels">Cluster of every point, in [0, Centers.Length).</param>
public sealed record DpcKnnResult(int[] Centers, int[] Labels);

/// <summary>
/// DPC-KNN clustering (PruneVid <c>cluster_dpc_knn</c>) composed from its primitives: distances, kNN density,
/// centre score, top-m centres, nearest-centre assignment. The host composition is what the device path mirrors.
/// </summary>
public static class DpcKnn
{
    /// <summary>
    /// Clusters <paramref name="points"/> [n, c] into <paramref name="clusters"/> groups with
    /// <paramref name="k"/> neighbours. The cluster count is clamped to [1, n] and k to [1, n] (the official code
    /// would fail on either); an empty input gives an empty result.
    /// </summary>
    public static DpcKnnResult Cluster(ReadOnlySpan<float> points, int n, int c, int clusters, int k)
    {
        ClusteringChecks.Matrix(points, n, c, nameof(points));
        if (clusters < 0) throw new ArgumentOutOfRangeException(nameof(clusters), $"cluster count must not be negative, got {clusters}");
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), $"neighbour count k must be at least 1, got {k}");
        if (n == 0) return new DpcKnnResult([], []);
        int m = Math.Clamp(clusters, 1, n);
        float[] distances = new float[n * n];
        float[] density = new float[n];
        float[] score = new float[n];
        PairwiseDistance.Reference(points, n, c, distances);
        KnnDensity.Reference(distances, n, k, density);
        DensityPeakScore.Reference(distances, density, n, score);
        int[] centers = DensityPeakScore.TopCenters(score, n, m);
        int[] labels = new int[n];
        NearestCenter.Reference(distances, n, centers, labels);
        return new DpcKnnResult(centers, labels);
    }
}
