// PruneVid.NET — pipeline: encode a video once, then answer or score many questions/strategies on it.
using System.Diagnostics;
using PruneVid.Compute;
using PruneVid.Runtime.Media;
using PruneVid.Runtime.Model.Text;
using PruneVid.Runtime.Preprocessing;
using PruneVid.Runtime.Text;
using PruneVid.Strategies;

namespace PruneVid.Runtime.Pipeline;

public sealed partial class VideoQaPipeline
{
    /// <summary>
    /// Decodes, preprocesses and runs the vision tower on one video file. The result can be answered against any
    /// number of times, with any strategy, without touching the video again (evaluations run N strategies on one
    /// encoding instead of N). <paramref name="strategies"/> names the strategy specs that will be used on it, so
    /// the vision signals any of them asks for are computed in the same pass (null: none).
    /// </summary>
    public async Task<EncodedVideo> EncodeVideoAsync(string videoPath, IEnumerable<string>? strategies = null,
        CancellationToken cancellationToken = default)
    {
        IReadOnlyList<VisionSignalRequest> signals = SignalsFor(strategies); // a bad spec fails before the decode
        return await EncodeThroughCache(FileKey(videoPath), signals, async () =>
        {
            var clock = Stopwatch.StartNew();
            DecodedVideo video = await new VideoDecoder(Options.FfmpegFolder).DecodeAsync(videoPath, Options.Sampling, cancellationToken).ConfigureAwait(false);
            return (video.Frames, video.SampleFps, clock.Elapsed);
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// Preprocesses and encodes frames already in memory (RGB24 sampled at <paramref name="fps"/>), or takes their
    /// encoding from the encoder cache.
    /// </summary>
    public EncodedVideo EncodeFrames(RgbFrames frames, double fps, IEnumerable<string>? strategies = null)
    {
        ArgumentNullException.ThrowIfNull(frames);
        string? key = _encoderCache is null ? null : EncoderCacheKey.ForFrames(frames, fps, Options.Preprocessing, _modelIdentity);
        // Nothing here awaits: the task is complete when it returns.
        return EncodeThroughCache(key, SignalsFor(strategies), () => Task.FromResult((frames, fps, TimeSpan.Zero))).GetAwaiter().GetResult();
    }

    private static IReadOnlyList<VisionSignalRequest> SignalsFor(IEnumerable<string>? strategies) =>
        strategies is null ? [] : strategies.SelectMany(s => StrategySpec.Parse(s).CreateChain().VisionSignals).Distinct().ToArray();

    /// <summary>
    /// Answers <paramref name="question"/> about an encoded video with the strategy <paramref name="strategySpec"/>
    /// (anything <see cref="PipelineOptions.Strategy"/> accepts, chains and in-model stages included). The timings'
    /// vision time is the encoding's.
    /// </summary>
    public VideoQaResult Answer(EncodedVideo video, string question, string strategySpec, SamplingOptions? sampling = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(video);
        var conversation = PromptStage.Question(question, PromptBuilder.PlaceholdersFor(video.Grid, Config.Vision.SpatialMergeSize));
        sampling ??= DefaultSampling();
        sampling.Validate();
        ReducerChain chain = Chain(video, strategySpec);
        var stage = new PromptStage(Config, Tokenizer);
        VideoQaResult result = ReduceAndGenerate(chain, strategySpec, video.Encoded, [video.Grid], [video.SecondsPerGrid],
            reduced => stage.Build(reduced, conversation, [], null), imageTokens: 0, sampling, onText: null, control: null,
            cancellationToken, video.VisionTime);
        return result with { Timings = result.Timings with { DecodeVideo = video.DecodeTime, Preprocess = video.PreprocessTime } };
    }

    /// <summary>
    /// One prefill, no decoding: the next-token logits of <paramref name="candidateTokenIds"/> after the prompt
    /// (e.g. the ids of "A".."E" for a multiple-choice question). In-model stages act during that prefill.
    /// </summary>
    public ChoiceScores ScoreNextToken(EncodedVideo video, string question, string strategySpec, IReadOnlyList<int> candidateTokenIds,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(video);
        var conversation = PromptStage.Question(question, PromptBuilder.PlaceholdersFor(video.Grid, Config.Vision.SpatialMergeSize));
        ArgumentNullException.ThrowIfNull(candidateTokenIds);
        if (candidateTokenIds.Count == 0) throw new ArgumentException("at least one candidate token is needed", nameof(candidateTokenIds));
        foreach (int id in candidateTokenIds)
            if ((uint)id >= (uint)Config.Text.VocabSize)
                throw new ArgumentException($"candidate token id {id} is outside the vocabulary of {Config.Text.VocabSize}", nameof(candidateTokenIds));
        cancellationToken.ThrowIfCancellationRequested();
        ReducerChain chain = Chain(video, strategySpec);
        var clock = Stopwatch.StartNew();
        using ReducedVideos reduced = new ReductionStage(_backend, Config).Run(chain, video.Encoded, [video.Grid], [video.SecondsPerGrid], ReductionContext());
        TimeSpan reductionTime = clock.Elapsed;
        TextPrompt prompt = new PromptStage(Config, Tokenizer).Build(reduced, conversation, [], null);
        clock.Restart();
        var (sequence, normed, _) = _generator.Prefill(prompt, maxNewTokens: 0);
        IReadOnlyList<StageRecord> inModel = sequence.Reduction?.Outcomes ?? []; // the in-model stages acted during this prefill
        var row = new float[Config.Text.VocabSize];
        using (sequence)
        using (normed)
        {
            using Tensor last = _backend.SliceRows(normed, normed.Rows - 1, 1);
            using Tensor logits = _text.Logits(last);
            _backend.CopyToHost(logits, row);
        }
        TimeSpan prefill = clock.Elapsed;
        float[] scores = [.. candidateTokenIds.Select(id => row[id])];
        var stats = Statistics(strategySpec, chain, reduced, imageTokens: 0, prompt, inModel);
        var timings = new PipelineTimings(video.DecodeTime, video.PreprocessTime, video.VisionTime, reductionTime, prefill, TimeSpan.Zero, 0);
        return new ChoiceScores(scores, stats, timings);
    }

    /// <summary>The chain of <paramref name="strategySpec"/>, checked against the signals the encoding holds.</summary>
    private ReducerChain Chain(EncodedVideo video, string strategySpec)
    {
        ObjectDisposedException.ThrowIf(video.IsDisposed, video);
        if (string.IsNullOrWhiteSpace(strategySpec)) throw new ArgumentException("the strategy is empty: name a reducer or a chain (see `prunevid strategies`)", nameof(strategySpec));
        ReducerChain chain = StrategySpec.Parse(strategySpec).CreateChain(null, Options.Verbose, Options.Retention);
        var missing = chain.VisionSignals.Where(r => !video.SignalsRequested.Contains(r)).ToArray();
        if (missing.Length > 0)
            throw new ArgumentException($"strategy '{strategySpec}' needs {string.Join(", ", missing)}, which this encoding did not compute: " +
                "name the strategy when encoding the video (EncodeVideoAsync/EncodeFrames strategies)", nameof(strategySpec));
        return chain;
    }
}

/// <summary>
/// One video after the vision tower: its merged-token embeddings on the device, its grid (in patches) and how long
/// each step took (zero when it came from the encoder cache). Owned by the caller; dispose it when every question
/// about it is answered (an encoding borrowed from the encoder cache then goes back to it).
/// </summary>
public sealed class EncodedVideo : IDisposable
{
    private readonly IDisposable? _lease;

    internal EncodedVideo(EncodedVideos encoded, IReadOnlyList<VisionSignalRequest> signalsRequested, (int T, int H, int W) grid,
        double secondsPerGrid, TimeSpan decodeTime, TimeSpan preprocessTime, TimeSpan visionTime, IDisposable? lease = null)
    {
        Encoded = encoded;
        SignalsRequested = [.. signalsRequested];
        _lease = lease;
        (Grid, SecondsPerGrid, DecodeTime, PreprocessTime, VisionTime) = (grid, secondsPerGrid, decodeTime, preprocessTime, visionTime);
    }

    internal EncodedVideos Encoded { get; }

    /// <summary>
    /// The signals the caller asked for when encoding. Only strategies needing no others may answer on it, even when
    /// an encoding from the cache holds more: what works does not depend on what the cache happened to hold.
    /// </summary>
    internal HashSet<VisionSignalRequest> SignalsRequested { get; }

    /// <summary>[tokens, hidden] merged-token embeddings on the model's backend.</summary>
    public Tensor Embeddings => Encoded.Embeddings;

    /// <summary>Grid in patches (t, h, w).</summary>
    public (int T, int H, int W) Grid { get; }

    /// <summary>Seconds per temporal grid step (second_per_grid_t).</summary>
    public double SecondsPerGrid { get; }

    /// <summary>Time spent decoding the file (zero for frames given in memory).</summary>
    public TimeSpan DecodeTime { get; }

    /// <summary>Time spent preprocessing.</summary>
    public TimeSpan PreprocessTime { get; }

    /// <summary>Time spent in the vision tower.</summary>
    public TimeSpan VisionTime { get; }

    /// <summary>True once <see cref="Dispose"/> ran.</summary>
    public bool IsDisposed { get; private set; }

    /// <inheritdoc />
    public void Dispose()
    {
        if (IsDisposed) return;
        IsDisposed = true;
        if (_lease is not null) _lease.Dispose();
        else Encoded.Dispose();
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
