// PruneVid.NET — FastV.
using System.Globalization;
using PruneVid.Kernels;

namespace PruneVid.Strategies.FastV;

/// <summary>
/// FastV inside the language model: after layer K − 1, rank each video's tokens by the attention the last prompt
/// row gives them (mean over heads of the post-RoPE causal map — the released code's rule, not the paper's
/// average over rows) and keep the top round(N·(1 − R)) for all deeper layers.
/// </summary>
public sealed class FastVHook : ILanguageModelReductionHook
{
    private readonly double _ratio;
    private readonly ReductionContext? _log;

    /// <summary>A hook after <paramref name="layerIndex"/> dropping <paramref name="ratio"/> of the video tokens.</summary>
    public FastVHook(int layerIndex, double ratio, ReductionContext? log = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(layerIndex);
        if (!(ratio >= 0 && ratio <= 1)) throw new ArgumentOutOfRangeException(nameof(ratio), ratio, "ratio must be in [0, 1]");
        LayerIndex = layerIndex;
        _ratio = ratio;
        _log = log;
    }

    /// <inheritdoc />
    public string Name => "fastv";

    /// <inheritdoc />
    public int LayerIndex { get; }

    /// <inheritdoc />
    public HookAttentionInputs Inputs => HookAttentionInputs.PostRope;

    /// <summary>Video tokens FastV keeps of <paramref name="tokens"/>: round(N·(1 − R)), half to even as Python rounds.</summary>
    public static int Kept(int tokens, double ratio) => (int)Math.Round(tokens * (1 - ratio), MidpointRounding.ToEven);

    /// <inheritdoc />
    public int[]? Apply(LanguageModelLayerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var kept = new List<int[]>(state.Videos.Count);
        int before = 0, after = 0, last = state.SequenceLength - 1;
        foreach (VideoSpan video in state.Videos)
        {
            int keep = Kept(video.Length, _ratio);
            int[] selected;
            if (keep >= video.Length) selected = [.. Enumerable.Range(0, video.Length)];
            else
            {
                float[] scores = AttentionScoring.Score(state, video, last, 1, causal: true, AttentionScoreHeads.Mean);
                int[] order = [.. Enumerable.Range(0, video.Length)];
                Array.Sort(order, (a, b) => scores[b].CompareTo(scores[a]) is var c && c != 0 ? c : a.CompareTo(b));
                selected = order[..keep];
                Array.Sort(selected);
            }
            kept.Add(selected);
            before += video.Length;
            after += selected.Length;
        }
        _log?.Write(string.Create(CultureInfo.InvariantCulture,
            $"[FastV] Tokens: {before} -> {after} ({(before == 0 ? 0 : 100.0 * (before - after) / before):F1}% reduction) at layer {LayerIndex}"));
        return after == before ? null : state.KeepRows(kept);
    }
}
