// PruneVid.NET — PruneVid Stage 2.
using System.Globalization;
using PruneVid.Kernels;

namespace PruneVid.Strategies.Stage2;

/// <summary>
/// Stage 2 inside the language model: after the selected layer, every video token is scored by the attention the
/// rows after the video give it (max over heads and rows; official: pre-RoPE, softmax over all keys, no mask), and
/// <see cref="Stage2Selection"/> keeps a share of every Stage-1 group. See docs/prunevid.md.
/// </summary>
public sealed class PruneVidStage2Hook : ILanguageModelReductionHook
{
    private readonly double _alpha;
    private readonly bool _postRopeCausal;
    private readonly ReductionContext? _log;

    /// <summary>A hook after <paramref name="layerIndex"/> keeping floor(<paramref name="alpha"/>·size) of every group.</summary>
    /// <param name="layerIndex">0-based decoder layer (already clamped).</param>
    /// <param name="alpha">Kept share per group, in (0, 1].</param>
    /// <param name="postRopeCausal">Score the post-RoPE causal map instead of the official pre-RoPE unmasked one.</param>
    /// <param name="log">Receives the "[Stage 2] Tokens: …" line; null for none.</param>
    public PruneVidStage2Hook(int layerIndex, double alpha, bool postRopeCausal = false, ReductionContext? log = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(layerIndex);
        if (!(alpha > 0 && alpha <= 1)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must be in (0, 1]");
        LayerIndex = layerIndex;
        _alpha = alpha;
        _postRopeCausal = postRopeCausal;
        _log = log;
    }

    /// <inheritdoc />
    public string Name => "prunevid-stage2";

    /// <inheritdoc />
    public int LayerIndex { get; }

    /// <inheritdoc />
    public HookAttentionInputs Inputs => _postRopeCausal ? HookAttentionInputs.PostRope : HookAttentionInputs.PreRope;

    /// <inheritdoc />
    public int[]? Apply(LanguageModelLayerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var kept = new List<int[]>(state.Videos.Count);
        int before = 0, after = 0;
        foreach (VideoSpan video in state.Videos)
        {
            // Query rows: every token after the video (the question and the template tail).
            int rows = state.SequenceLength - video.End;
            IReadOnlyList<TokenSegment> segments = Stage2Selection.SegmentsFor(video.Length, video.Frames, video.Segments);
            int[] selected = rows == 0 || video.Length == 0
                ? [.. Enumerable.Range(0, video.Length)]
                : Stage2Selection.Select(AttentionScoring.Score(state, video, video.End, rows, _postRopeCausal, AttentionScoreHeads.Max), segments, _alpha);
            kept.Add(selected);
            before += video.Length;
            after += selected.Length;
        }
        _log?.Write(SummaryLine(before, after, LayerIndex));
        return after == before ? null : state.KeepRows(kept);
    }

    /// <summary>The reference implementation's summary, e.g. <c>[Stage 2] Tokens: 1152 -> 460 (60.1% reduction) at layer 10</c>.</summary>
    public static string SummaryLine(int before, int after, int layer)
    {
        double reduction = before == 0 ? 0 : (1.0 - (double)after / before) * 100.0;
        return string.Create(CultureInfo.InvariantCulture, $"[Stage 2] Tokens: {before} -> {after} ({reduction:F1}% reduction) at layer {layer}");
    }
}
