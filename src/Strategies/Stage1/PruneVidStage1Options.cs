// PruneVid.NET — PruneVid Stage 1.
namespace PruneVid.Strategies.Stage1;

/// <summary>Parameters of PruneVid Stage 1 (names and defaults of the paper's setting, PLLaVA <c>eval.sh</c>).</summary>
public sealed class PruneVidStage1Options
{
    /// <summary>A position is static in a segment when its mean pairwise cosine over the segment's frames exceeds tau (strict).</summary>
    [Parameter(0.8, Min = 0.6, Max = 0.9, Description = "static when the mean pairwise cosine of a position across a segment's frames is > tau; lower tau: more static tokens, more merging, fewer tokens kept")]
    public double Tau { get; set; } = 0.8;

    /// <summary>Share of tokens kept as cluster centres when a group has more than 14 tokens.</summary>
    [BudgetKnob(BudgetKnobKind.Increasing, Low = 0.01, High = 1.0)] // cluster counts are floor(n·r): monotone in r
    [Parameter(0.5, Min = 0.3, Max = 0.7, Description = "clusters per group = floor(tokens * cluster_ratio), for groups of more than 14 tokens; higher: more tokens kept")]
    public double ClusterRatio { get; set; } = 0.5;

    /// <summary>Share of frames used as temporal DPC-KNN centres before contiguity refinement.</summary>
    [Parameter(0.25, Min = 0.125, Max = 0.5, Description = "temporal clusters = max(1, floor(frames * temporal_segment_ratio)); higher: more segments, each with its own static block, so usually more tokens kept")]
    public double TemporalSegmentRatio { get; set; } = 0.25;

    /// <summary>Neighbours in the DPC-KNN density (the self-distance counts as one; the official code uses 7).</summary>
    [Parameter(5, Min = 3, Max = 10, Description = "neighbours k of the DPC-KNN density (self included; the official code uses 7); moves which tokens are centres, not how many")]
    public int DpcKnnK { get; set; } = 5;

    /// <summary>Writes the "[Stage 1] Tokens: N -> M (x% reduction)" line to the context's log.</summary>
    [Parameter(false, Description = "log the token counts before and after Stage 1")]
    public bool Verbose { get; set; }
}
