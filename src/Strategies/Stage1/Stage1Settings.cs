// PruneVid.NET — PruneVid Stage 1.
namespace PruneVid.Strategies.Stage1;

/// <summary>The numbers Stage 1 runs with (unvalidated: the registry checks ranges, tests may go beyond them).</summary>
/// <param name="Tau">Static threshold on the mean pairwise cosine (strict &gt;).</param>
/// <param name="ClusterRatio">Clusters per group of more than <see cref="Stage1Algorithm.MergeThreshold"/> tokens.</param>
/// <param name="TemporalSegmentRatio">Temporal DPC-KNN clusters per frame.</param>
/// <param name="K">DPC-KNN neighbours (self included), clamped to the number of points.</param>
public sealed record Stage1Settings(double Tau, double ClusterRatio, double TemporalSegmentRatio, int K)
{
    /// <summary>The settings of a set of options.</summary>
    public static Stage1Settings From(PruneVidStage1Options options) =>
        new(options.Tau, options.ClusterRatio, options.TemporalSegmentRatio, options.DpcKnnK);
}
