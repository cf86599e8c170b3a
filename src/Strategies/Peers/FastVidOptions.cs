// PruneVid.NET — peer reducers: FastVID.
namespace PruneVid.Strategies.Peers;

/// <summary>
/// Parameters of <see cref="FastVidReducer"/>, named after the official <c>fastvid_*</c> arguments; defaults from the
/// official Qwen2.5-VL <c>scripts/eval.sh</c>.
/// </summary>
public sealed class FastVidOptions
{
    /// <summary>Share of each temporal step's tokens kept (frame budget = int(n · r)).</summary>
    [BudgetKnob(BudgetKnobKind.Increasing)] // per-step int(n·r) budgets: bisection meets the share closer than setting it
    [Parameter(0.27, Min = 0.01, Max = 1, Description = "retention ratio: each step's budget is int(tokens per step * r) (fastvid_retention_ratio)")]
    public double RetentionRatio { get; set; } = 0.27;

    /// <summary>DySeg: at least c − 1 cuts at the least similar step transitions.</summary>
    [Parameter(8, Min = 1, Max = 64, Description = "DySeg c: cut at the c-1 least similar step transitions (fastvid_DySeg_c)")]
    public int DysegC { get; set; } = 8;

    /// <summary>DySeg: also cut wherever adjacent steps are less similar than tau.</summary>
    [Parameter(0.84, Min = 0, Max = 1, Description = "DySeg tau: also cut where adjacent-step similarity < tau (fastvid_DySeg_tau)")]
    public double DysegTau { get; set; } = 0.84;

    /// <summary>Inside a segment, transitions below this similarity start a new sub-segment.</summary>
    [Parameter(0.95, Min = 0, Max = 1, Description = "sub-segment threshold inside a segment (fastvid_DySeg_ignore)")]
    public double DysegIgnore { get; set; } = 0.95;

    /// <summary>Share of a segment's budget spent on density-peak context tokens (the rest is salient tokens).</summary>
    [Parameter(0.4, Min = 0, Max = 1, Description = "context share d of each segment's budget (fastvid_STPrune_d)")]
    public double StpruneD { get; set; } = 0.4;

    /// <summary>One anchor sub-segment in every p.</summary>
    [Parameter(4, Min = 1, Max = 64, Description = "anchor period p: one anchor sub-segment in every p (fastvid_DTM_p)")]
    public int DtmP { get; set; } = 4;

    /// <summary>Lower bound of an anchor's own weight when tokens are merged into it.</summary>
    [Parameter(0.6, Min = 0, Max = 1, Description = "anchor weight floor: w = max(1/(merged+1), beta) (fastvid_DTM_beta)")]
    public double DtmBeta { get; set; } = 0.6;
}
