// PruneVid.NET — pipeline: what a caller may watch and steer while the answer is decoded.
namespace PruneVid.Runtime.Pipeline;

/// <summary>
/// Hooks into decoding for callers that need more than the text (<see cref="VideoQaPipeline.GenerateChat"/>): a stop
/// predicate asked after each delivered piece of text (a stop string was seen: decoding ends there), each step's logits
/// row before its token is chosen (for log-probabilities; such steps download the row even when greedy, and the array is
/// valid during the call only), and each chosen token id, reported before its text.
/// </summary>
public sealed record DecodeControl
{
    /// <summary>True ends decoding after the current token.</summary>
    public Func<bool>? StopRequested { get; init; }

    /// <summary>The raw logits of the step about to choose a token.</summary>
    public Action<float[]>? OnLogits { get; init; }

    /// <summary>The token just chosen.</summary>
    public Action<int>? OnToken { get; init; }
}
