// PruneVid.NET — pipeline stage 3 of 4: kept tokens → the language model's prompt.
using PruneVid.Compute;
using PruneVid.Runtime.Config;
using PruneVid.Runtime.Model.Text;
using PruneVid.Runtime.Text;

namespace PruneVid.Runtime.Pipeline;

/// <summary>
/// Builds the prompt with exactly one <c>&lt;|video_pad|&gt;</c> per kept token — a conversation rendered by the chat
/// template, or a caller's full prompt with each video's run shrunk — and the video spans the in-model hooks act on.
/// </summary>
internal sealed class PromptStage(Qwen25VLConfig config, QwenTokenizer tokenizer)
{
    /// <summary>
    /// The template messages of one question about one video of <paramref name="videoTokens"/> tokens (the count is
    /// replaced by the reducer's when the prompt is built).
    /// </summary>
    public static IReadOnlyList<ChatMessage> Question(string question, int videoTokens) =>
        [new ChatMessage(ChatRole.User, [ChatContent.Video(videoTokens), ChatContent.Text(ChatTurn.RequireQuestion(question))])];

    /// <summary>
    /// The prompt of <paramref name="conversation"/> (template messages whose k-th video is given the k-th reduced
    /// video's kept-token count), with <paramref name="images"/> (all image tokens kept, in prompt order) and their
    /// embeddings.
    /// </summary>
    public TextPrompt Build(ReducedVideos? reduced, IReadOnlyList<ChatMessage> conversation, IReadOnlyList<MediaItem> images, Tensor? imageEmbeds)
    {
        var videos = reduced?.Media ?? [];
        int video = 0;
        var messages = conversation.Select(m => m with
        {
            Content = [.. m.Content.Select(c => c is VideoContent
                ? ChatContent.Video(video < videos.Count ? videos[video++].TokenCount : throw new ArgumentException($"the conversation has more videos than the {videos.Count} encoded"))
                : c)],
        }).ToArray();
        if (video != videos.Count) throw new ArgumentException($"the conversation has {video} video(s) for {videos.Count} encoded");
        int[] ids = tokenizer.Encode(ChatTemplate.Render(messages));
        return Prompt(reduced, ids, images, imageEmbeds);
    }

    /// <summary>A caller's full prompt (one <c>&lt;|video_pad|&gt;</c> per vision token) with each video's run shrunk to the tokens kept.</summary>
    public TextPrompt FromIds(ReducedVideos reduced, IReadOnlyList<(int T, int H, int W)> grids, IReadOnlyList<int> promptIds) =>
        Prompt(reduced, ShrinkPlaceholders(promptIds, reduced.Media, grids), [], null);

    private TextPrompt Prompt(ReducedVideos? reduced, int[] ids, IReadOnlyList<MediaItem> images, Tensor? imageEmbeds)
    {
        InModelReduction? hooks = reduced is null || reduced.Hooks.Count == 0 ? null
            : new InModelReduction(reduced.Hooks, InModelReduction.FindVideos(ids, config.VideoTokenId, reduced.Frames, reduced.Segments));
        IReadOnlyList<MediaItem> media = reduced is null ? images : [.. images, .. reduced.Media];
        return new TextPrompt(ids, media, ImageEmbeds: imageEmbeds, VideoEmbeds: reduced?.VideoEmbeds, Reduction: hooks);
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
