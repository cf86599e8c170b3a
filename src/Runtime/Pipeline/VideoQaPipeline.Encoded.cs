// PruneVid.NET — pipeline: encode a video once, then answer or score many questions/strategies on it.
using System.Diagnostics;
using PruneVid.Compute;
using PruneVid.Runtime.Media;
using PruneVid.Runtime.Model.Text;
using PruneVid.Runtime.Preprocessing;
using PruneVid.Strategies;

namespace PruneVid.Runtime.Pipeline;

public sealed partial class VideoQaPipeline
{
    /// <summary>
    /// Decodes, preprocesses and runs the vision tower on one video file. The result can be answered against any
    /// number of times, with any strategy, without touching the video again (evaluations run N strategies on one
    /// encoding instead of N).
    /// </summary>
    public async Task<EncodedVideo> EncodeVideoAsync(string videoPath, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        DecodedVideo video = await new VideoDecoder(Options.FfmpegFolder).DecodeAsync(videoPath, Options.Sampling, cancellationToken).ConfigureAwait(false);
        return Encode(video.Frames, video.SampleFps, decodeTime: clock.Elapsed);
    }

    /// <summary>Preprocesses and encodes frames already in memory (RGB24 sampled at <paramref name="fps"/>).</summary>
    public EncodedVideo EncodeFrames(RgbFrames frames, double fps) => Encode(frames, fps, TimeSpan.Zero);

    private EncodedVideo Encode(RgbFrames frames, double fps, TimeSpan decodeTime)
    {
        ArgumentNullException.ThrowIfNull(frames);
        var clock = Stopwatch.StartNew();
        PreprocessedVideo pixels = new VisionPreprocessor(Options.Preprocessing).PreprocessVideo(frames, fps);
        TimeSpan preprocess = clock.Elapsed;
        clock.Restart();
        using Tensor pixelTensor = _backend.FromF32(pixels.PixelValues, pixels.Rows, pixels.RowLength);
        Tensor embeds = _vision.Encode(pixelTensor, [pixels.Grid]);
        _backend.Synchronize();
        return new EncodedVideo(embeds, pixels.Grid, pixels.SecondPerGridT, decodeTime, preprocess, clock.Elapsed);
    }

    /// <summary>
    /// Answers <paramref name="question"/> about an encoded video with the strategy <paramref name="strategySpec"/>
    /// (anything <see cref="PipelineOptions.Strategy"/> accepts). The timings' vision time is the encoding's.
    /// </summary>
    public VideoQaResult Answer(EncodedVideo video, string question, string strategySpec, SamplingOptions? sampling = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(question);
        sampling ??= DefaultSampling();
        sampling.Validate();
        using var reduced = Reduce(video, strategySpec);
        int[] ids = BuildPrompt([reduced.Media], question);
        var (text, generated, prefill, decode) = RunLanguageModel(new TextPrompt(ids, [reduced.Media], VideoEmbeds: reduced.Embeddings),
            sampling, onText: null, cancellationToken);
        var timings = new PipelineTimings(video.DecodeTime, video.PreprocessTime, video.VisionTime, reduced.Time, prefill, decode,
            Math.Max(0, generated.Tokens.Count - 1));
        return new VideoQaResult(text, generated.Tokens, generated.Reason, reduced.Stats(strategySpec, ids.Length), timings, ids);
    }

    /// <summary>
    /// One prefill, no decoding: the next-token logits of <paramref name="candidateTokenIds"/> after the prompt
    /// (e.g. the ids of "A".."E" for a multiple-choice question).
    /// </summary>
    public ChoiceScores ScoreNextToken(EncodedVideo video, string question, string strategySpec, IReadOnlyList<int> candidateTokenIds,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(question);
        ArgumentNullException.ThrowIfNull(candidateTokenIds);
        if (candidateTokenIds.Count == 0) throw new ArgumentException("at least one candidate token is needed", nameof(candidateTokenIds));
        cancellationToken.ThrowIfCancellationRequested();
        using var reduced = Reduce(video, strategySpec);
        int[] ids = BuildPrompt([reduced.Media], question);
        var clock = Stopwatch.StartNew();
        var (sequence, normed, _) = _generator.Prefill(new TextPrompt(ids, [reduced.Media], VideoEmbeds: reduced.Embeddings), maxNewTokens: 0);
        var row = new float[Config.Text.VocabSize];
        using (sequence)
        using (normed)
        {
            using Tensor last = _backend.SliceRows(normed, normed.Rows - 1, 1);
            using Tensor logits = _text.Logits(last);
            _backend.CopyToHost(logits, row);
        }
        TimeSpan prefill = clock.Elapsed;
        float[] scores = [.. candidateTokenIds.Select(id => (uint)id < (uint)row.Length
            ? row[id] : throw new ArgumentOutOfRangeException(nameof(candidateTokenIds), id, "candidate id outside the vocabulary"))];
        var timings = new PipelineTimings(video.DecodeTime, video.PreprocessTime, video.VisionTime, reduced.Time, prefill, TimeSpan.Zero, 0);
        return new ChoiceScores(scores, reduced.Stats(strategySpec, ids.Length), timings);
    }

    /// <summary>Runs the strategy's reducer on the encoded tokens (the encoding itself is left untouched).</summary>
    private ReducedVideo Reduce(EncodedVideo video, string strategySpec)
    {
        ArgumentNullException.ThrowIfNull(video);
        ArgumentException.ThrowIfNullOrWhiteSpace(strategySpec);
        ObjectDisposedException.ThrowIf(video.IsDisposed, video);
        ITokenReducer reducer = TokenReducerRegistry.Create(strategySpec);
        var vision = Config.Vision;
        int merge = vision.SpatialMergeSize;
        var (t, h, w) = video.Grid;
        var clock = Stopwatch.StartNew();
        var full = MediaItem.Video(t, h, w, merge, video.SecondsPerGrid, vision.TokensPerSecond);
        var positions = new TokenPosition[full.TokenCount];
        for (int i = 0; i < positions.Length; i++) positions[i] = new TokenPosition(full.Offsets[i].T, full.Offsets[i].H, full.Offsets[i].W);
        var context = new ReductionContext(new ReducerModelInfo(Config.Text.HiddenSize, merge, vision.TemporalPatchSize,
            vision.TokensPerSecond, Config.Text.NumHiddenLayers), null);
        TokenReduction reduction = reducer.Reduce(new VideoTokens(video.Embeddings, new VideoGrid(t, h / merge, w / merge), positions), context);
        _backend.Synchronize();
        var media = MediaItem.FromOffsets(MediaKind.Video, reduction.Positions.Select(p => new PositionOffset(p.T, p.H, p.W)));
        bool owned = !ReferenceEquals(reduction.Embeddings, video.Embeddings);
        return new ReducedVideo(reduction.Embeddings, owned, media, full.TokenCount, reduction.Count, clock.Elapsed);
    }

    private sealed record ReducedVideo(Tensor Embeddings, bool OwnsEmbeddings, MediaItem Media, int Before, int After, TimeSpan Time) : IDisposable
    {
        public CompressionStats Stats(string strategy, int promptTokens) =>
            new(strategy, Before, After, promptTokens, [new StageCompression(strategy, Before, After)]);

        public void Dispose()
        {
            if (OwnsEmbeddings) Embeddings.Dispose();
        }
    }
}

/// <summary>
/// One video after the vision tower: its merged-token embeddings on the device, its grid (in patches) and how long
/// each step took. Owned by the caller; dispose it when every question about it is answered.
/// </summary>
public sealed record EncodedVideo(Tensor Embeddings, (int T, int H, int W) Grid, double SecondsPerGrid, TimeSpan DecodeTime,
    TimeSpan PreprocessTime, TimeSpan VisionTime) : IDisposable
{
    /// <summary>True once <see cref="Dispose"/> ran.</summary>
    public bool IsDisposed { get; private set; }

    /// <inheritdoc />
    public void Dispose()
    {
        if (IsDisposed) return;
        IsDisposed = true;
        Embeddings.Dispose();
    }
}

/// <summary>Next-token logits of the candidate tokens, in the order given, with what the reducer did and the timings.</summary>
public sealed record ChoiceScores(IReadOnlyList<float> Logits, CompressionStats Compression, PipelineTimings Timings)
{
    /// <summary>Index of the highest logit (the first one on ties, so the choice is deterministic).</summary>
    public int Best
    {
        get
        {
            int best = 0;
            for (int i = 1; i < Logits.Count; i++) if (Logits[i] > Logits[best]) best = i;
            return best;
        }
    }
}
