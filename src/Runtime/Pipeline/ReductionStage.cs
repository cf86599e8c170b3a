// PruneVid.NET — pipeline stage 2 of 4: video embeddings → the tokens placed in the prompt (+ in-model hooks).
using PruneVid.Compute;
using PruneVid.Runtime.Config;
using PruneVid.Runtime.Model.Text;
using PruneVid.Strategies;

namespace PruneVid.Runtime.Pipeline;

/// <summary>
/// Runs a <see cref="ReducerChain"/> video by video: every kept token keeps its original (t, h, w) offsets, the
/// segments each video's last reducer recorded are kept for the in-model hooks, and the hooks come from the first
/// video's chain (a hook acts on every video span of the prompt, so one set serves them all).
/// </summary>
internal sealed class ReductionStage(IComputeBackend backend, Qwen25VLConfig config)
{
    /// <summary>
    /// Reduces every video of <paramref name="encoded"/> (the vision stage's output for videos of the given
    /// <paramref name="grids"/>, in patches, and seconds per temporal grid step).
    /// </summary>
    public ReducedVideos Run(ReducerChain chain, EncodedVideos encoded, IReadOnlyList<(int T, int H, int W)> grids,
        IReadOnlyList<double> secondsPerGrid, ReductionContext context)
    {
        Tensor embeds = encoded.Embeddings;
        var vision = config.Vision;
        int merge = vision.SpatialMergeSize;
        var result = new ReducedVideos();
        var counts = new List<IReadOnlyList<ChainStageCount>>();
        int row = 0;
        try
        {
            for (int v = 0; v < grids.Count; v++)
            {
                var (t, h, w) = grids[v];
                var full = MediaItem.Video(t, h, w, merge, secondsPerGrid[v], vision.TokensPerSecond);
                int count = full.TokenCount;
                Tensor slice = backend.SliceRows(embeds, row, count);
                result.Own(slice);
                row += count;
                VisionSignals? signals = encoded.Signals.Count == 0 ? null : encoded.Signals.Slice(row - count, count);
                var tokens = new VideoTokens(slice, new VideoGrid(t, h / merge, w / merge), full.Offsets.ToArray(), signals);
                var (reduction, stageCounts) = chain.Run(tokens, context);
                if (!ReferenceEquals(reduction.Embeddings, slice)) result.Own(reduction.Embeddings);
                result.Add(reduction, MediaItem.FromOffsets(MediaKind.Video, reduction.Positions), frames: t, count);
                if (v == 0) result.Hooks = reduction.LanguageModelHooks;
                counts.Add(stageCounts);
            }
            result.Finish(Concat(result.Parts, config.Text.HiddenSize), SumStages(counts));
            backend.Synchronize();
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    private static IReadOnlyList<StageCompression> SumStages(List<IReadOnlyList<ChainStageCount>> perVideo) =>
        perVideo.Count == 0 ? [] : Enumerable.Range(0, perVideo[0].Count)
            .Select(s => new StageCompression(perVideo[0][s].Stage, perVideo.Sum(c => c[s].TokensBefore), perVideo.Sum(c => c[s].TokensAfter)))
            .ToArray();

    private Tensor Concat(IReadOnlyList<Tensor> parts, int width)
    {
        if (parts.Count == 1) return parts[0];
        Tensor all = backend.Allocate(DType.F32, parts.Sum(p => p.Rows), width);
        int at = 0;
        foreach (var part in parts)
        {
            using Tensor target = backend.SliceRows(all, at, part.Rows);
            backend.Copy(part, target);
            at += part.Rows;
        }
        return all;
    }
}

/// <summary>The reduction stage's output: what the prompt stage places and the hooks the language model runs.</summary>
internal sealed class ReducedVideos : IDisposable
{
    private readonly List<Tensor> _owned = [];
    private readonly List<Tensor> _parts = [];
    private readonly List<MediaItem> _media = [];
    private readonly List<IReadOnlyList<TokenSegment>> _segments = [];
    private readonly List<int> _frames = [];

    /// <summary>Kept embeddings of each video.</summary>
    public IReadOnlyList<Tensor> Parts => _parts;

    /// <summary>One media item per video: the kept tokens' offsets.</summary>
    public IReadOnlyList<MediaItem> Media => _media;

    /// <summary>The segments each video's reducers recorded (for Stage 2).</summary>
    public IReadOnlyList<IReadOnlyList<TokenSegment>> Segments => _segments;

    /// <summary>Temporal steps of each video's grid.</summary>
    public IReadOnlyList<int> Frames => _frames;

    /// <summary>All kept embeddings, video after video.</summary>
    public Tensor VideoEmbeds { get; private set; } = null!;

    /// <summary>Hooks for the language model (empty when every reducer acts before it).</summary>
    public IReadOnlyList<ILanguageModelReductionHook> Hooks { get; set; } = [];

    /// <summary>Vision tokens of all videos.</summary>
    public int TokensBefore { get; private set; }

    /// <summary>Tokens placed in the prompt.</summary>
    public int TokensAfter { get; private set; }

    /// <summary>Counts of the stages before the model, summed over videos.</summary>
    public IReadOnlyList<StageCompression> Stages { get; private set; } = [];

    public void Own(Tensor tensor) => _owned.Add(tensor);

    public void Add(TokenReduction reduction, MediaItem item, int frames, int tokensBefore)
    {
        _parts.Add(reduction.Embeddings);
        _media.Add(item);
        _segments.Add(reduction.Segments);
        _frames.Add(frames);
        TokensBefore += tokensBefore;
        TokensAfter += reduction.Count;
    }

    public void Finish(Tensor videoEmbeds, IReadOnlyList<StageCompression> stages)
    {
        VideoEmbeds = videoEmbeds;
        if (!_owned.Contains(videoEmbeds)) _owned.Add(videoEmbeds);
        Stages = stages;
    }

    public void Dispose()
    {
        foreach (Tensor tensor in _owned.Distinct()) tensor.Dispose();
    }
}
