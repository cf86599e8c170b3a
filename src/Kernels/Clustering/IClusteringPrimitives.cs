// PruneVid.NET — clustering kernels.
namespace PruneVid.Kernels.Clustering;

/// <summary>A DPC-KNN clustering with the merged cluster means (PruneVid's <c>cluster_dpc_knn</c> + <c>compute_cluster_vectors</c>).</summary>
/// <param name="Clusters">Centres (score-rank order) and labels.</param>
/// <param name="Means">[centres, c] unweighted member means, row r for cluster r.</param>
public sealed record DpcKnnMerge(DpcKnnResult Clusters, float[] Means);

/// <summary>
/// The clustering steps Stage 1 needs, behind one seam so the host references and the device kernels are
/// interchangeable: <see cref="HostClustering"/> runs the plain references, <see cref="IlgpuClustering"/> runs the
/// distance, density, score, assignment and mean kernels and keeps only the top-m centre choice on the host.
/// </summary>
public interface IClusteringPrimitives
{
    /// <summary>Short name for logs and benchmarks.</summary>
    string Name { get; }

    /// <summary>DPC-KNN of <paramref name="points"/> [n, c] into <paramref name="clusters"/> groups (clamped to [1, n]), k neighbours (clamped to [1, n]).</summary>
    DpcKnnMerge ClusterAndMerge(ReadOnlySpan<float> points, int n, int c, int clusters, int k);
}
