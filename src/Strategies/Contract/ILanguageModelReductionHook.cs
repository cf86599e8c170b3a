// PruneVid.NET — token-reduction contract.
using PruneVid.Compute;

namespace PruneVid.Strategies;

/// <summary>Which projections of its layer a hook needs to see (the model copies only those).</summary>
public enum HookAttentionInputs
{
    /// <summary>Hidden states only.</summary>
    None,
    /// <summary>Queries and keys after the projection and bias, before M-RoPE (what the official PruneVid scores).</summary>
    PreRope,
    /// <summary>Queries and keys after M-RoPE (the map the layer used; FastV scores this one).</summary>
    PostRope,
}

/// <summary>
/// A reduction that acts inside the language model (PruneVid Stage 2, FastV): after decoder layer
/// <see cref="LayerIndex"/> has run during prefill, the model hands it that layer's state and keeps only the rows it
/// returns: the hidden states, the KV cache of layers 0..LayerIndex and the positions are gathered to them (never
/// renumbered), later layers run on them, and decoding continues at the positions of the unpruned prompt. A hook
/// fires once per prefill and never during decoding. See docs/architecture.md.
/// </summary>
public interface ILanguageModelReductionHook
{
    /// <summary>Name shown in statistics and logs (the reducer's registry name).</summary>
    string Name { get; }

    /// <summary>0-based decoder layer after which the hook acts (already clamped to the model's layers).</summary>
    int LayerIndex { get; }

    /// <summary>The projections <see cref="LanguageModelLayerState.Queries"/>/<see cref="LanguageModelLayerState.Keys"/> must hold.</summary>
    HookAttentionInputs Inputs { get; }

    /// <summary>
    /// Decides which sequence rows survive. Returns the rows to keep in ascending order, or null to keep all.
    /// Every row outside the video spans must be kept (hooks act on video tokens only).
    /// </summary>
    int[]? Apply(LanguageModelLayerState state);
}

/// <summary>What a language-model hook sees of its layer during prefill.</summary>
/// <param name="LayerIndex">0-based decoder layer that just ran.</param>
/// <param name="HiddenStates">[S, hidden] output of the layer.</param>
/// <param name="Queries">[S, heads·headDim] queries of the layer (rotation per <see cref="ILanguageModelReductionHook.Inputs"/>), or null.</param>
/// <param name="Keys">[S, kvHeads·headDim] keys of the layer, or null.</param>
/// <param name="Attention">Head layout of <paramref name="Queries"/> and <paramref name="Keys"/>.</param>
/// <param name="Videos">The video spans of the sequence, in order (images are never listed).</param>
public sealed record LanguageModelLayerState(int LayerIndex, Tensor HiddenStates, Tensor? Queries, Tensor? Keys,
    AttentionShape Attention, IReadOnlyList<VideoSpan> Videos)
{
    /// <summary>Rows S of the sequence at this layer.</summary>
    public int SequenceLength => HiddenStates.Rows;

    /// <summary>
    /// The rows to keep when, for each video, only <paramref name="keptPerVideo"/>[v] (offsets from the span's start,
    /// ascending) survive: every other row, plus the kept video rows, ascending.
    /// </summary>
    public int[] KeepRows(IReadOnlyList<int[]> keptPerVideo)
    {
        ArgumentNullException.ThrowIfNull(keptPerVideo);
        if (keptPerVideo.Count != Videos.Count) throw new ArgumentException($"{keptPerVideo.Count} selections for {Videos.Count} videos");
        var rows = new List<int>(SequenceLength);
        int row = 0;
        for (int v = 0; v < Videos.Count; v++)
        {
            VideoSpan span = Videos[v];
            while (row < span.Start) rows.Add(row++);
            foreach (int offset in keptPerVideo[v]) rows.Add(span.Start + offset);
            row = span.End;
        }
        while (row < SequenceLength) rows.Add(row++);
        return [.. rows];
    }
}

/// <summary>
/// One video's run of tokens in the language model's sequence.
/// </summary>
/// <param name="Start">First sequence row of the video.</param>
/// <param name="Length">Video tokens in the sequence (after the reducers before the model and any earlier hook).</param>
/// <param name="Frames">Temporal steps of the video's grid (for hooks that group tokens by frame when there are no segments).</param>
/// <param name="Segments">Segments the reducers before the model recorded (empty when none did, or an earlier hook pruned the span).</param>
public sealed record VideoSpan(int Start, int Length, int Frames, IReadOnlyList<TokenSegment> Segments)
{
    /// <summary>The row after the video's last token.</summary>
    public int End => Start + Length;
}
