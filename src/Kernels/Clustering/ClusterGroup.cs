// PruneVid.NET — Clustering: one group of a batched DPC-KNN merge.
namespace PruneVid.Compute;

/// <summary>
/// One group of <see cref="ReductionOps.DpcKnnMerge"/>: its <see cref="Points"/> follow the previous group's in the
/// points tensor. With <see cref="Cluster"/>, DPC-KNN with <see cref="Neighbours"/> neighbours picks
/// <see cref="Clusters"/> centres and each output row is the mean of a centre's cluster; without it the points are kept
/// as they are (one output row each, see <see cref="Keep"/>).
/// </summary>
/// <param name="Points">Points in the group (at least 1).</param>
/// <param name="Clusters">Output rows: 1..Points when clustered, Points when kept.</param>
/// <param name="Neighbours">k of the density, 1..min(Points, 16) when clustered (unused when kept).</param>
/// <param name="Cluster">True for DPC-KNN, false to keep the points.</param>
public readonly record struct ClusterGroup(int Points, int Clusters, int Neighbours, bool Cluster)
{
    /// <summary>A group whose <paramref name="points"/> are kept as they are.</summary>
    public static ClusterGroup Keep(int points) => new(points, points, 1, false);
}
