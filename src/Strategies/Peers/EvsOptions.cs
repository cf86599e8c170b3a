// PruneVid.NET — peer reducers: vLLM Efficient Video Sampling.
namespace PruneVid.Strategies.Peers;

/// <summary>Parameters of <see cref="EvsReducer"/> (vLLM's <c>--video-pruning-rate</c>).</summary>
public sealed class EvsOptions
{
    /// <summary>Share q of the video tokens to drop; vLLM keeps max(one step, int(N·(1 − q))).</summary>
    [BudgetKnob(BudgetKnobKind.DroppedShare)] // never below one whole step: vLLM keeps step 0
    [Parameter(0.75, Min = 0, Max = 0.99, Description = "pruning rate q in [0, 1): keep max(tokens of one step, int(N*(1-q))) tokens (vLLM --video-pruning-rate)")]
    public double PruningRate { get; set; } = 0.75;
}
