// PruneVid.NET — clustering kernels.

namespace PruneVid.Kernels.Clustering;

/// <summary>
/// Cluster merge of PruneVid (<c>compute_cluster_vectors</c>): output row r is the unweighted mean of the points
/// labelled r (a row with no members stays zero). Sums are accumulated in f64 so the mean does not depend on order.
/// </summary>
public static partial class ClusterMean
{
    /// <summary>Plain reference: <paramref name="points"/> [n, c], labels in [0, m), output [m, c].</summary>
    public static void Reference(ReadOnlySpan<float> points, int n, int c, ReadOnlySpan<int> labels, int m, Span<float> output)
    {
        ClusteringChecks.Matrix(points, n, c, nameof(points));
        ClusteringChecks.Matrix(output, m, c, nameof(output));
        double[] sums = new double[(long)m * c];
        int[] counts = new int[m];
        for (int i = 0; i < n; i++)
        {
            int r = labels[i];
            if ((uint)r >= (uint)m) throw new ArgumentException($"label {r} of point {i} is outside [0, {m})", nameof(labels));
            counts[r]++;
            ReadOnlySpan<float> x = points.Slice(i * c, c);
            for (int ch = 0; ch < c; ch++) sums[(long)r * c + ch] += x[ch];
        }
        for (int r = 0; r < m; r++)
            for (int ch = 0; ch < c; ch++)
                output[r * c + ch] = counts[r] == 0 ? 0f : (float)(sums[(long)r * c + ch] / counts[r]);
    }
}
