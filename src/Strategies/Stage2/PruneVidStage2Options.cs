// PruneVid.NET — PruneVid Stage 2.
namespace PruneVid.Strategies.Stage2;

/// <summary>Parameters of PruneVid Stage 2 (the paper's setting: alpha 0.4 at layer 10).</summary>
public sealed class PruneVidStage2Options
{
    /// <summary>Share of every static group and of every frame's dynamic group kept (floor(alpha · size)).</summary>
    [BudgetKnob(BudgetKnobKind.Increasing)] // floor(alpha·n) per group: monotone, met by bisection on the predicted count
    [Parameter(0.4, Min = 0.001, Max = 1.0, Description = "kept share of each group, floor(alpha * size), in (0, 1]")]
    public double Alpha { get; set; } = 0.4;

    /// <summary>0-based decoder layer after which the selection runs (clamped to the model's last layer).</summary>
    [Parameter(10, Min = 0, Max = 127, Description = "0-based decoder layer after which tokens are selected (clamped to the model)")]
    public int SelectedLayer { get; set; } = 10;

    /// <summary><c>official</c> (pre-RoPE, no causal mask) or <c>post-rope-causal</c> (the map the layer used).</summary>
    [Parameter("official", Description = "attention map scored: official (pre-RoPE, unmasked) or post-rope-causal")]
    public string Scoring { get; set; } = "official";

    /// <summary>Writes the "[Stage 2] Tokens: N -> M (x% reduction) at layer L" line to the context's log.</summary>
    [Parameter(false, Description = "log the video tokens before and after Stage 2")]
    public bool Verbose { get; set; }
}
