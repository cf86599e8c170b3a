// PruneVid.NET — clustering kernels.

namespace PruneVid.Kernels.Clustering;

/// <summary>
/// Cluster assignment of DPC-KNN: <c>label(j) = argmin_r D[c_r, j]</c> with the first minimum winning, then every
/// centre forced into its own cluster (<c>label(c_r) = r</c>), exactly as the official code does after its argmin.
/// </summary>
public static partial class NearestCenter
{
    /// <summary>Plain reference over a [n, n] distance matrix and the centre indices in rank order.</summary>
    public static void Reference(ReadOnlySpan<float> distances, int n, ReadOnlySpan<int> centers, Span<int> labels)
    {
        ClusteringChecks.Matrix(distances, n, n, nameof(distances));
        if (labels.Length < n) throw new ArgumentException($"labels holds {labels.Length} values, expected {n}", nameof(labels));
        if (n > 0 && centers.Length == 0) throw new ArgumentException("at least one centre is needed", nameof(centers));
        for (int j = 0; j < n; j++)
        {
            int best = 0;
            float bestDistance = distances[centers[0] * n + j];
            for (int r = 1; r < centers.Length; r++)
            {
                float d = distances[centers[r] * n + j];
                if (d < bestDistance) { bestDistance = d; best = r; }
            }
            labels[j] = best;
        }
        for (int r = 0; r < centers.Length; r++) labels[centers[r]] = r;
    }
}
