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
/// tokenizer.json); each call decodes and preprocesses the video, then runs the stages vision → reduction → prompt →
/// language model (<see cref="VisionStage"/>, <see cref="ReductionStage"/>, <see cref="PromptStage"/>,
/// <see cref="LanguageModelStage"/>): the strategy's reducers shrink the video tokens, the prompt gets exactly one
/// placeholder per kept token (at its original M-RoPE position), and in-model reducers act during prefill. See
/// docs/architecture.md. Not thread-safe: one request at a time per instance.
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
        _ = StrategySpec.Parse(options.Strategy).CreateChain(options.StrategyParameters, retention: options.Retention);
        WeightManifest.Validate(weights, config);
        _vision = new VisionEncoder(backend, config.Vision, weights);
        _text = new TextModel(backend, config, weights);
        _generator = new TextGenerator(_text);
        _ownsModel = true;
    }

    private VideoQaPipeline(VideoQaPipeline model, PipelineOptions options)
    {
        _ = StrategySpec.Parse(options.Strategy).CreateChain(options.StrategyParameters, retention: options.Retention);
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
        sampling?.Validate(); // before a long decode, not after it
        if (string.IsNullOrWhiteSpace(question)) throw new ArgumentException("the question is empty: ask something about the video or image", nameof(question));
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
        if (string.IsNullOrWhiteSpace(question)) throw new ArgumentException("the question is empty: ask something about the video or image", nameof(question));
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
        if (string.IsNullOrWhiteSpace(question)) throw new ArgumentException("the question is empty: ask something about the video or image", nameof(question));
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
        var stats = new CompressionStats("none (image)", item.TokenCount, item.TokenCount, ids.Length, [], Config.Text.NumHiddenLayers);
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
        ReducerChain chain = StrategySpec.Parse(Options.Strategy).CreateChain(strategyParameters, Options.Verbose, Options.Retention);
        var clock = Stopwatch.StartNew();
        // vision → reduction → prompt → language model; each arrow is one type. Signals a reducer scores with
        // (e.g. FastVID's last-block saliency) come from the same encode.
        using EncodedVideos encoded = new VisionStage(_backend, _vision).Encode(videos, chain.VisionSignals);
        TimeSpan visionTime = clock.Elapsed;
        return ReduceAndGenerate(chain, Options.Strategy, encoded, videos.Grids, videos.SecondsPerGrid, question, promptIds,
            sampling, onText, cancellationToken, visionTime);
    }

    /// <summary>The stages after the vision tower: reduction → prompt → language model.</summary>
    private VideoQaResult ReduceAndGenerate(ReducerChain chain, string strategy, EncodedVideos encoded, IReadOnlyList<(int T, int H, int W)> grids,
        IReadOnlyList<double> secondsPerGrid, string? question, IReadOnlyList<int>? promptIds, SamplingOptions sampling,
        Action<string>? onText, CancellationToken cancellationToken, TimeSpan visionTime)
    {
        var clock = Stopwatch.StartNew();
        using ReducedVideos reduced = new ReductionStage(_backend, Config).Run(chain, encoded, grids, secondsPerGrid, ReductionContext());
        TimeSpan reductionTime = clock.Elapsed;

        TextPrompt prompt = new PromptStage(Config, Tokenizer).Build(reduced, grids, question, promptIds);
        var (text, generated, prefill, decode) = new LanguageModelStage(_generator, Tokenizer).Run(prompt, sampling, onText, cancellationToken);

        var stats = Statistics(strategy, chain, reduced, prompt, generated.Reductions);
        var timings = new PipelineTimings(TimeSpan.Zero, TimeSpan.Zero, visionTime, reductionTime, prefill, decode,
            Math.Max(0, generated.Tokens.Count - 1));
        return new VideoQaResult(text, generated.Tokens, generated.Reason, stats, timings, prompt.InputIds);
    }

    /// <summary>The one place a result's statistics are assembled: the stages before the model, then the in-model ones.</summary>
    private CompressionStats Statistics(string strategy, ReducerChain chain, ReducedVideos reduced, TextPrompt prompt, IReadOnlyList<StageRecord> inModel) =>
        new(strategy, reduced.TokensBefore, reduced.TokensAfter, prompt.InputIds.Count, [.. reduced.Stages, .. inModel], Config.Text.NumHiddenLayers)
        {
            TargetRetentionPercent = chain.Retention is double r ? Math.Round(r * 100, 6) : null,
        };

    /// <summary>What reducers are told about the model, with the pipeline's log.</summary>
    private ReductionContext ReductionContext()
    {
        var vision = Config.Vision;
        return new ReductionContext(new ReducerModelInfo(Config.Text.HiddenSize, vision.SpatialMergeSize, vision.TemporalPatchSize,
            vision.TokensPerSecond, Config.Text.NumHiddenLayers), Log);
    }

    /// <summary>Prefill + decode; prefill ends when the first token is known, the rest is decode.</summary>
    private (string Text, GenerationResult Generated, TimeSpan Prefill, TimeSpan Decode) RunLanguageModel(TextPrompt prompt,
        SamplingOptions sampling, Action<string>? onText, CancellationToken cancellationToken) =>
        new LanguageModelStage(_generator, Tokenizer).Run(prompt, sampling, onText, cancellationToken);

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
