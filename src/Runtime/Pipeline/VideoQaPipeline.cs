// PruneVid.NET — pipeline: video + question → answer, through the vision tower, a token reducer and the LLM.
using System.Diagnostics;
using PruneVid.Compute;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Config;
using PruneVid.Runtime.Media;
using PruneVid.Runtime.Model.Text;
using PruneVid.Runtime.Model.Vision;
using PruneVid.Runtime.Preprocessing;
using PruneVid.Runtime.Text;
using PruneVid.Strategies;

namespace PruneVid.Runtime.Pipeline;

/// <summary>
/// Answers questions about videos with Qwen2.5-VL. Built once from a model folder (config.json, safetensors,
/// tokenizer.json); each call decodes and preprocesses the video, encodes it, lets the chosen token reducer shrink
/// the video tokens, builds the prompt with exactly one placeholder per kept token (at the kept tokens' original
/// M-RoPE positions) and generates. Not thread-safe: one request at a time per instance.
/// </summary>
public sealed partial class VideoQaPipeline : IDisposable
{
    private readonly IComputeBackend _backend;
    private readonly IWeightSource _weights;
    private readonly VisionEncoder _vision;
    private readonly TextModel _text;
    private readonly TextGenerator _generator;
    private readonly GenerationConfig? _generation;
    private readonly bool _ownsModel;

    private VideoQaPipeline(IComputeBackend backend, Qwen25VLConfig config, IWeightSource weights, QwenTokenizer tokenizer,
        GenerationConfig? generation, PipelineOptions options)
    {
        _backend = backend;
        _weights = weights;
        Config = config;
        Tokenizer = tokenizer;
        Options = options;
        _generation = generation;
        // Fail at construction, not at the first request, when the strategy or its parameters are wrong.
        _ = TokenReducerRegistry.Create(options.Strategy, options.StrategyParameters);
        WeightManifest.Validate(weights, config);
        _vision = new VisionEncoder(backend, config.Vision, weights);
        _text = new TextModel(backend, config, weights);
        _generator = new TextGenerator(_text);
        _ownsModel = true;
    }

    private VideoQaPipeline(VideoQaPipeline model, PipelineOptions options)
    {
        _ = TokenReducerRegistry.Create(options.Strategy, options.StrategyParameters);
        (_backend, _weights, _vision, _text, _generator, _generation) =
            (model._backend, model._weights, model._vision, model._text, model._generator, model._generation);
        Config = model.Config;
        Tokenizer = model.Tokenizer;
        Options = options;
        _ownsModel = false;
    }

    /// <summary>
    /// A pipeline over the same loaded model with another token reducer (no reload). The model stays owned by this
    /// instance: dispose this one last.
    /// </summary>
    public VideoQaPipeline WithStrategy(string strategy, string? parameters = null) =>
        new(this, Options with { Strategy = strategy, StrategyParameters = parameters });

    /// <summary>Loads a model folder (config.json, model.safetensors[.index.json], tokenizer.json, optional generation_config.json).</summary>
    public static VideoQaPipeline Load(string modelDirectory, PipelineOptions? options = null)
    {
        options ??= new PipelineOptions();
        if (!Directory.Exists(modelDirectory)) throw new DirectoryNotFoundException($"model folder '{modelDirectory}' does not exist");
        var config = Qwen25VLConfig.Load(modelDirectory);
        var tokenizer = QwenTokenizer.FromModelFolder(options.TokenizerDirectory ?? modelDirectory);
        var generation = GenerationConfig.Load(modelDirectory);
        var weights = CheckpointWeights.Open(modelDirectory, config);
        IComputeBackend? backend = null;
        try
        {
            backend = BackendFactory.Create(options.Device);
            return new VideoQaPipeline(backend, config, weights, tokenizer, generation, options);
        }
        catch
        {
            backend?.Dispose();
            weights.Dispose();
            throw;
        }
    }

    /// <summary>The model configuration.</summary>
    public Qwen25VLConfig Config { get; }

    /// <summary>The tokenizer of the model folder.</summary>
    public QwenTokenizer Tokenizer { get; }

    /// <summary>The options the pipeline was built with.</summary>
    public PipelineOptions Options { get; }

    /// <summary>The compute backend in use ("cpu", "cuda …").</summary>
    public string BackendName => _backend.Name;

    /// <summary>Decoding defaults: greedy unless generation_config.json asks for sampling.</summary>
    public SamplingOptions DefaultSampling(int maxNewTokens = 128) =>
        SamplingOptions.FromGenerationConfig(Config, _generation) with { MaxNewTokens = maxNewTokens };

    /// <summary>Answers <paramref name="question"/> about the video file at <paramref name="videoPath"/>.</summary>
    /// <param name="videoPath">Any video ffmpeg can read.</param>
    /// <param name="question">The user's question.</param>
    /// <param name="sampling">Decoding settings (null: <see cref="DefaultSampling"/>).</param>
    /// <param name="onText">Receives the answer as it is generated, piece by piece.</param>
    /// <param name="cancellationToken">Stops decoding between tokens.</param>
    public async Task<VideoQaResult> GenerateAsync(string videoPath, string question, SamplingOptions? sampling = null,
        Action<string>? onText = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var decoder = new VideoDecoder(Options.FfmpegFolder);
        DecodedVideo video = await decoder.DecodeAsync(videoPath, Options.Sampling, cancellationToken).ConfigureAwait(false);
        TimeSpan decodeTime = clock.Elapsed;
        Log($"decoded {video.Frames.Count} frames {video.Frames.Width}x{video.Frames.Height} at {video.SampleFps:0.###} fps from {Path.GetFileName(videoPath)}");
        var result = GenerateFromFrames(video.Frames, video.SampleFps, question, sampling, onText, cancellationToken);
        return result with { Timings = result.Timings with { DecodeVideo = decodeTime } };
    }

    /// <summary>Answers a question about frames already in memory (RGB24, sampled at <paramref name="fps"/>).</summary>
    public VideoQaResult GenerateFromFrames(RgbFrames frames, double fps, string question, SamplingOptions? sampling = null,
        Action<string>? onText = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentException.ThrowIfNullOrWhiteSpace(question);
        var clock = Stopwatch.StartNew();
        PreprocessedVideo pixels = new VisionPreprocessor(Options.Preprocessing).PreprocessVideo(frames, fps);
        TimeSpan preprocess = clock.Elapsed;
        var inputs = new VideoInputs([pixels.Grid], pixels.PixelValues, [pixels.SecondPerGridT]);
        var result = Generate(inputs, question, promptIds: null, sampling, Options.StrategyParameters, onText, cancellationToken);
        return result with { Timings = result.Timings with { Preprocess = preprocess } };
    }

    /// <summary>
    /// Answers a question about one image (any format ffmpeg reads). Token reducers act on video tokens only, so the
    /// image's tokens all reach the prompt; the compression stats count them as visual tokens.
    /// </summary>
    public async Task<VideoQaResult> GenerateFromImageAsync(string imagePath, string question, SamplingOptions? sampling = null,
        Action<string>? onText = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(question);
        sampling ??= DefaultSampling();
        sampling.Validate();
        var clock = Stopwatch.StartNew();
        RgbFrames image = await new VideoDecoder(Options.FfmpegFolder).DecodeImageAsync(imagePath, cancellationToken).ConfigureAwait(false);
        TimeSpan decodeTime = clock.Elapsed;
        clock.Restart();
        PreprocessedImage pixels = new VisionPreprocessor(Options.Preprocessing).PreprocessImage(image);
        TimeSpan preprocess = clock.Elapsed;
        clock.Restart();
        using Tensor pixelTensor = _backend.FromF32(pixels.PixelValues, pixels.Rows, pixels.RowLength);
        using Tensor embeds = _vision.Encode(pixelTensor, [pixels.Grid]);
        _backend.Synchronize();
        TimeSpan visionTime = clock.Elapsed;

        var item = MediaItem.Image(pixels.Grid.T, pixels.Grid.H, pixels.Grid.W, Config.Vision.SpatialMergeSize);
        int[] ids = new PromptBuilder().AddImage(item.TokenCount).AddText(question).Build().Tokenize(Tokenizer);
        var (text, generated, prefill, decode) = RunLanguageModel(new TextPrompt(ids, [item], ImageEmbeds: embeds), sampling, onText, cancellationToken);
        var stats = new CompressionStats("none (image)", item.TokenCount, item.TokenCount, ids.Length, []);
        var timings = new PipelineTimings(decodeTime, preprocess, visionTime, TimeSpan.Zero, prefill, decode, Math.Max(0, generated.Tokens.Count - 1));
        return new VideoQaResult(text, generated.Tokens, generated.Reason, stats, timings, ids);
    }

    /// <summary>
    /// The lower-level call, like HF's <c>generate(**inputs, tau=…)</c>: <paramref name="inputIds"/> hold the full,
    /// unreduced prompt (one <c>&lt;|video_pad|&gt;</c> per vision token of each video); the reducer runs with
    /// <paramref name="strategyParameters"/> for this call only, and each video's placeholder run is shrunk to the
    /// tokens it keeps.
    /// </summary>
    public VideoQaResult GenerateFromInputs(IReadOnlyList<int> inputIds, VideoInputs videos, string? strategyParameters = null,
        SamplingOptions? sampling = null, Action<string>? onText = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        return Generate(videos, question: null, inputIds, sampling, strategyParameters ?? Options.StrategyParameters, onText, cancellationToken);
    }

    private VideoQaResult Generate(VideoInputs videos, string? question, IReadOnlyList<int>? promptIds, SamplingOptions? sampling,
        string? strategyParameters, Action<string>? onText, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(videos);
        sampling ??= DefaultSampling();
        sampling.Validate();
        ITokenReducer reducer = TokenReducerRegistry.Create(Options.Strategy, WithVerbose(strategyParameters));
        var vision = Config.Vision;
        int merge = vision.SpatialMergeSize;
        var clock = Stopwatch.StartNew();

        // Vision tower: all videos in one call, then split per video.
        using Tensor pixels = _backend.FromF32(videos.PixelValues, videos.PixelValues.Length / videos.RowLength, videos.RowLength);
        using Tensor embeds = _vision.Encode(pixels, videos.Grids);
        _backend.Synchronize();
        TimeSpan visionTime = clock.Elapsed;

        // Reduction, video by video, keeping each kept token's original (t, h, w) offsets.
        clock.Restart();
        var context = new ReductionContext(new ReducerModelInfo(Config.Text.HiddenSize, merge, vision.TemporalPatchSize,
            vision.TokensPerSecond, Config.Text.NumHiddenLayers), Options.Verbose ? Log : null);
        var media = new List<MediaItem>();
        var kept = new List<Tensor>();
        var owned = new List<Tensor>();
        int before = 0, after = 0, row = 0;
        try
        {
            for (int v = 0; v < videos.Grids.Count; v++)
            {
                var (t, h, w) = videos.Grids[v];
                var full = MediaItem.Video(t, h, w, merge, videos.SecondsPerGrid[v], vision.TokensPerSecond);
                int count = full.TokenCount;
                Tensor slice = _backend.SliceRows(embeds, row, count);
                owned.Add(slice);
                row += count;
                var positions = new TokenPosition[count];
                for (int i = 0; i < count; i++) positions[i] = new TokenPosition(full.Offsets[i].T, full.Offsets[i].H, full.Offsets[i].W);
                TokenReduction reduction = reducer.Reduce(new VideoTokens(slice, new VideoGrid(t, h / merge, w / merge), positions), context);
                if (!ReferenceEquals(reduction.Embeddings, slice)) owned.Add(reduction.Embeddings);
                kept.Add(reduction.Embeddings);
                media.Add(MediaItem.FromOffsets(MediaKind.Video, reduction.Positions.Select(p => new PositionOffset(p.T, p.H, p.W))));
                before += count;
                after += reduction.Count;
            }
            Tensor videoEmbeds = Concat(kept, Config.Text.HiddenSize);
            if (!kept.Contains(videoEmbeds)) owned.Add(videoEmbeds);
            _backend.Synchronize();
            TimeSpan reductionTime = clock.Elapsed;

            int[] ids = promptIds is null
                ? BuildPrompt(media, question!)
                : ShrinkPlaceholders(promptIds, media, videos);
            var stats = new CompressionStats(Options.Strategy, before, after, ids.Length,
                [new StageCompression(Options.Strategy, before, after)]);

            var (text, generated, prefill, decode) = RunLanguageModel(new TextPrompt(ids, media, VideoEmbeds: videoEmbeds), sampling, onText, cancellationToken);
            var timings = new PipelineTimings(TimeSpan.Zero, TimeSpan.Zero, visionTime, reductionTime, prefill, decode,
                Math.Max(0, generated.Tokens.Count - 1));
            return new VideoQaResult(text, generated.Tokens, generated.Reason, stats, timings, ids);
        }
        finally
        {
            foreach (var tensor in owned.Distinct()) tensor.Dispose();
        }
    }

    /// <summary>Adds <c>verbose=true</c> when the pipeline is verbose and the reducer has such a parameter left unset.</summary>
    private string? WithVerbose(string? parameters)
    {
        if (!Options.Verbose) return parameters;
        string name = Options.Strategy.Split(':')[0].Trim();
        bool hasVerbose = TokenReducerRegistry.Get(name).Parameters.Any(p => p.Name == "verbose");
        bool set = parameters?.Split(',').Any(p => p.Split('=')[0].Trim() == "verbose") == true;
        return hasVerbose && !set ? string.IsNullOrWhiteSpace(parameters) ? "verbose=true" : parameters + ",verbose=true" : parameters;
    }

    /// <summary>Prefill + decode; prefill ends when the first token is known, the rest is decode.</summary>
    private (string Text, GenerationResult Generated, TimeSpan Prefill, TimeSpan Decode) RunLanguageModel(TextPrompt prompt,
        SamplingOptions sampling, Action<string>? onText, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        TimeSpan prefill = TimeSpan.Zero;
        var stream = Tokenizer.CreateStreamDecoder(skipSpecialTokens: true);
        var answer = new System.Text.StringBuilder();
        GenerationResult generated = _generator.Generate(prompt, sampling, token =>
        {
            if (prefill == TimeSpan.Zero) prefill = clock.Elapsed;
            string piece = stream.Push(token);
            if (piece.Length > 0) { answer.Append(piece); onText?.Invoke(piece); }
        }, cancellationToken);
        string tail = stream.Flush();
        if (tail.Length > 0) { answer.Append(tail); onText?.Invoke(tail); }
        return (answer.ToString(), generated, prefill, clock.Elapsed - prefill);
    }

    private int[] BuildPrompt(IReadOnlyList<MediaItem> media, string question)
    {
        var builder = new PromptBuilder();
        foreach (var item in media) builder.AddVideo(item.TokenCount);
        return builder.AddText(question).Build().Tokenize(Tokenizer);
    }

    /// <summary>Replaces each video's run of placeholders in a full prompt by as many as the reducer kept.</summary>
    private int[] ShrinkPlaceholders(IReadOnlyList<int> ids, IReadOnlyList<MediaItem> media, VideoInputs videos)
    {
        int pad = Config.VideoTokenId, merge = Config.Vision.SpatialMergeSize;
        var result = new List<int>(ids.Count);
        int video = 0;
        for (int i = 0; i < ids.Count;)
        {
            if (ids[i] != pad) { result.Add(ids[i++]); continue; }
            int run = 0;
            while (i + run < ids.Count && ids[i + run] == pad) run++;
            if (video >= videos.Grids.Count)
                throw new ArgumentException($"the prompt has more <|video_pad|> runs than the {videos.Grids.Count} video(s) given");
            var (t, h, w) = videos.Grids[video];
            int expected = t * h * w / (merge * merge);
            if (run != expected)
                throw new ArgumentException($"video {video} has {expected} vision tokens but the prompt holds {run} <|video_pad|> in its run");
            for (int k = 0; k < media[video].TokenCount; k++) result.Add(pad);
            i += run;
            video++;
        }
        if (video != videos.Grids.Count)
            throw new ArgumentException($"the prompt has {video} <|video_pad|> run(s) for {videos.Grids.Count} video(s)");
        return [.. result];
    }

    private Tensor Concat(IReadOnlyList<Tensor> parts, int width)
    {
        if (parts.Count == 1) return parts[0];
        int rows = parts.Sum(p => p.Rows);
        Tensor all = _backend.Allocate(DType.F32, rows, width);
        int at = 0;
        foreach (var part in parts)
        {
            using Tensor target = _backend.SliceRows(all, at, part.Rows);
            _backend.Copy(part, target);
            at += part.Rows;
        }
        return all;
    }

    private void Log(string line) => Options.Log?.Invoke(line);

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_ownsModel) return;
        _text.Dispose();
        _vision.Dispose();
        _weights.Dispose();
        _backend.Dispose();
    }
}
