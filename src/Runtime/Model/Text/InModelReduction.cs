// PruneVid.NET — language model: token reduction inside the model during prefill.
using PruneVid.Strategies;

namespace PruneVid.Runtime.Model.Text;

/// <summary>The hooks to run during one prefill and the video spans of its prompt (rows of <c>&lt;|video_pad|&gt;</c> runs).</summary>
/// <param name="Hooks">Hooks in chain order; each fires once, after its layer.</param>
/// <param name="Videos">The prompt's video spans in order (images are not listed: hooks act on video tokens only).</param>
public sealed record InModelReduction(IReadOnlyList<ILanguageModelReductionHook> Hooks, IReadOnlyList<VideoSpan> Videos)
{
    /// <summary>The spans of every <c>&lt;|video_pad|&gt;</c> run in <paramref name="ids"/>, with each video's temporal steps and segments.</summary>
    public static IReadOnlyList<VideoSpan> FindVideos(IReadOnlyList<int> ids, int videoTokenId, IReadOnlyList<int> frames, IReadOnlyList<IReadOnlyList<TokenSegment>> segments)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var spans = new List<VideoSpan>();
        for (int i = 0; i < ids.Count;)
        {
            if (ids[i] != videoTokenId) { i++; continue; }
            int start = i;
            while (i < ids.Count && ids[i] == videoTokenId) i++;
            int v = spans.Count;
            if (v >= frames.Count) throw new ArgumentException($"the prompt has more <|video_pad|> runs than the {frames.Count} video(s) given");
            spans.Add(new VideoSpan(start, i - start, frames[v], v < segments.Count ? segments[v] : []));
        }
        return spans;
    }
}

/// <summary>The outcome of a prefill with hooks.</summary>
/// <param name="KeptRows">The prompt rows in the sequence (and in every layer's KV cache) after the hooks, ascending.</param>
/// <param name="Outcomes">One stage record per hook, in the order they fired (with its layer and the KV rows left).</param>
public sealed record InModelReductionResult(IReadOnlyList<int> KeptRows, IReadOnlyList<StageRecord> Outcomes);
