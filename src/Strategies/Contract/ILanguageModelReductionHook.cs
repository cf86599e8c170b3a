// PruneVid.NET — token-reduction contract.
using PruneVid.Compute;

namespace PruneVid.Strategies;

/// <summary>
/// A reduction that acts inside the language model (e.g. PruneVid Stage 2): after decoder layer
/// <see cref="LayerIndex"/> has run during prefill, the model hands it that layer's state and prunes the sequence
/// (hidden states, KV cache of layers 0..LayerIndex, positions) to the rows it returns.
/// </summary>
public interface ILanguageModelReductionHook
{
    /// <summary>0-based decoder layer after which the hook acts.</summary>
    int LayerIndex { get; }

    /// <summary>
    /// Decides which sequence rows survive. Returns the rows to keep in ascending order, or null to keep all.
    /// Rows outside the video span must be kept; positions are gathered, never renumbered.
    /// </summary>
    int[]? Apply(LanguageModelLayerState state);
}

/// <summary>What a language-model hook sees of its layer during prefill.</summary>
/// <param name="LayerIndex">0-based decoder layer that just ran.</param>
/// <param name="HiddenStates">[S, hidden] output of the layer.</param>
/// <param name="Queries">[S, heads·headDim] queries of the layer before RoPE (after the projection and bias), if kept.</param>
/// <param name="Keys">[S, kvHeads·headDim] keys of the layer before RoPE, if kept.</param>
/// <param name="Attention">Head layout of <paramref name="Queries"/> and <paramref name="Keys"/>.</param>
/// <param name="VideoStart">First sequence row of the video tokens.</param>
/// <param name="VideoLength">Number of video tokens (after the stages before the model).</param>
/// <param name="Segments">Segments the earlier stages recorded for the video tokens (may be empty).</param>
public sealed record LanguageModelLayerState(int LayerIndex, Tensor HiddenStates, Tensor? Queries, Tensor? Keys,
    AttentionShape Attention, int VideoStart, int VideoLength, IReadOnlyList<TokenSegment> Segments);
