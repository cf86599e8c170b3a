// PruneVid.NET — pipeline: what the reduction stage hands the prompt stage and the language model.
using PruneVid.Compute;
using PruneVid.Runtime.Model.Text;
using PruneVid.Strategies;

namespace PruneVid.Runtime.Pipeline;

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
    public IReadOnlyList<StageRecord> Stages { get; private set; } = [];

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

    public void Finish(Tensor videoEmbeds, IReadOnlyList<StageRecord> stages)
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
