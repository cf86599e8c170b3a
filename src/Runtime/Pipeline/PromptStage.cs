// PruneVid.NET — pipeline stage 3 of 4: kept tokens → the language model's prompt.
using PruneVid.Runtime.Config;
using PruneVid.Runtime.Model.Text;
using PruneVid.Runtime.Text;

namespace PruneVid.Runtime.Pipeline;

/// <summary>
/// Builds the prompt with exactly one <c>&lt;|video_pad|&gt;</c> per kept token (a chat prompt around a question,
/// or a caller's full prompt with each video's run shrunk), and the video spans the in-model hooks act on.
/// </summary>
internal sealed class PromptStage(Qwen25VLConfig config, QwenTokenizer tokenizer)
{
    /// <summary>The prompt for <paramref name="reduced"/>: from <paramref name="question"/>, or by shrinking <paramref name="promptIds"/>.</summary>
    public TextPrompt Build(ReducedVideos reduced, IReadOnlyList<(int T, int H, int W)> grids, string? question, IReadOnlyList<int>? promptIds)
    {
        int[] ids = promptIds is null ? Chat(reduced.Media, question!) : ShrinkPlaceholders(promptIds, reduced.Media, grids);
        InModelReduction? hooks = reduced.Hooks.Count == 0 ? null
            : new InModelReduction(reduced.Hooks, InModelReduction.FindVideos(ids, config.VideoTokenId, reduced.Frames, reduced.Segments));
        return new TextPrompt(ids, reduced.Media, VideoEmbeds: reduced.VideoEmbeds, Reduction: hooks);
    }

    private int[] Chat(IReadOnlyList<MediaItem> media, string question)
    {
        var builder = new PromptBuilder();
        foreach (var item in media) builder.AddVideo(item.TokenCount);
        return builder.AddText(question).Build().Tokenize(tokenizer);
    }

    /// <summary>Replaces each video's run of placeholders in a full prompt by as many as the reducer kept.</summary>
    private int[] ShrinkPlaceholders(IReadOnlyList<int> ids, IReadOnlyList<MediaItem> media, IReadOnlyList<(int T, int H, int W)> grids)
    {
        int pad = config.VideoTokenId, merge = config.Vision.SpatialMergeSize;
        var result = new List<int>(ids.Count);
        int video = 0;
        for (int i = 0; i < ids.Count;)
        {
            if (ids[i] != pad) { result.Add(ids[i++]); continue; }
            int run = 0;
            while (i + run < ids.Count && ids[i + run] == pad) run++;
            if (video >= grids.Count)
                throw new ArgumentException($"the prompt has more <|video_pad|> runs than the {grids.Count} video(s) given");
            var (t, h, w) = grids[video];
            int expected = t * h * w / (merge * merge);
            if (run != expected)
                throw new ArgumentException($"video {video} has {expected} vision tokens but the prompt holds {run} <|video_pad|> in its run");
            for (int k = 0; k < media[video].TokenCount; k++) result.Add(pad);
            i += run;
            video++;
        }
        if (video != grids.Count)
            throw new ArgumentException($"the prompt has {video} <|video_pad|> run(s) for {grids.Count} video(s)");
        return [.. result];
    }
}
