// PruneVid.NET — clustering kernels.
namespace PruneVid.Kernels.Clustering;

/// <summary>The plain C# references (the oracle of <see cref="IlgpuClustering"/>).</summary>
public sealed class HostClustering : IClusteringPrimitives
{
    /// <summary>The shared instance (stateless).</summary>
    public static HostClustering Instance { get; } = new();

    /// <inheritdoc />
    public string Name => "host";

    /// <inheritdoc />
    public DpcKnnMerge ClusterAndMerge(ReadOnlySpan<float> points, int n, int c, int clusters, int k)
    {
        DpcKnnResult result = DpcKnn.Cluster(points, n, c, clusters, k);
        float[] means = new float[result.Centers.Length * c];
        ClusterMean.Reference(points, n, c, result.Labels, result.Centers.Length, means);
        return new DpcKnnMerge(result, means);
    }
}
