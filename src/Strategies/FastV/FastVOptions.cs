// PruneVid.NET — FastV.
namespace PruneVid.Strategies.FastV;

/// <summary>Parameters of FastV (the paper's K = 2, R = 50%).</summary>
public sealed class FastVOptions
{
    /// <summary>Layers that run on every token; the ranking uses the attention of layer K − 1 (0-based).</summary>
    [Parameter(2, Min = 1, Max = 128, Description = "layers run on all tokens; ranks by layer K-1's attention, prunes for layers K onward")]
    public int K { get; set; } = 2;

    /// <summary>Share of video tokens dropped.</summary>
    [BudgetKnob(BudgetKnobKind.DroppedShare)]
    [Parameter(0.5, Min = 0.0, Max = 1.0, Description = "share of video tokens dropped: keeps round(N * (1 - ratio))")]
    public double Ratio { get; set; } = 0.5;

    /// <summary>Writes the "[FastV] Tokens: N -> M …" line to the context's log.</summary>
    [Parameter(false, Description = "log the video tokens before and after FastV")]
    public bool Verbose { get; set; }
}
