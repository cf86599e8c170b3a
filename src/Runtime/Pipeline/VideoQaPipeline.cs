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
    private readonly ComputeBackend _backend;
    private readonly IWeightSource _weights;
    private readonly VisionEncoder _vision;
    private readonly TextModel _text;
    private readonly TextGenerator _generator;
    private readonly GenerationConfig? _generation;
    private readonly bool _ownsModel;
    private readonly EncoderCache? _encoderCache;
    private readonly string _modelIdentity;

    private VideoQaPipeline(ComputeBackend backend, Qwen25VLConfig config, IWeightSource weights, QwenTokenizer tokenizer,
        GenerationConfig? generation, PipelineOptions options, string modelIdentity)
    {
        if (options.EncoderCacheMegabytes < 0)
            throw new ArgumentOutOfRangeException(nameof(options), $"the encoder cache size must be 0 (off) or more megabytes, got {options.EncoderCacheMegabytes}");
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
        _text = new TextModel(backend, config, weights, options.Weights);
        _generator = new TextGenerator(_text);
        _modelIdentity = modelIdentity;
        _encoderCache = options.EncoderCacheMegabytes > 0 ? new EncoderCache(options.EncoderCacheMegabytes * 1024L * 1024L) : null;
        if (options.PrefixCacheMegabytes < 0)
            throw new ArgumentOutOfRangeException(nameof(options), $"the prefix cache size must be 0 (off) or more megabytes, got {options.PrefixCacheMegabytes}");
        if (options.PrefixCacheMegabytes > 0) _generator.Prefixes = new PrefixCache(options.PrefixCacheMegabytes * 1024L * 1024L);
        if (options.DecodeBatch < 1)
            throw new ArgumentOutOfRangeException(nameof(options), $"the decode batch must hold at least one sequence, got {options.DecodeBatch}");
        if (options.DecodeBatch > 1) _generator.Scheduler = new DecodeScheduler(_text, options.DecodeBatch);
        _ownsModel = true;
    }

    private VideoQaPipeline(VideoQaPipeline model, PipelineOptions options)
    {
        _ = StrategySpec.Parse(options.Strategy).CreateChain(options.StrategyParameters, retention: options.Retention);
        (_backend, _weights, _vision, _text, _generator, _generation, _encoderCache, _modelIdentity) =
            (model._backend, model._weights, model._vision, model._text, model._generator, model._generation, model._encoderCache, model._modelIdentity);
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
        ComputeBackend? backend = null;
        try
        {
            backend = BackendFactory.Create(options.Device);
            // The folder and the device name the model: the encoder cache keys carry it.
            string identity = $"{Path.GetFullPath(modelDirectory)}|{backend.Name}";
            return new VideoQaPipeline(backend, config, weights, tokenizer, generation, options, identity);
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

    /// <summary>
    /// The vision-tower outputs kept for later questions about the same media, shared with every pipeline made by
    /// <see cref="WithStrategy"/> (null when <see cref="PipelineOptions.EncoderCacheMegabytes"/> is 0).
    /// </summary>
    public EncoderCache? EncoderCache => _encoderCache;

    /// <summary>
    /// The prompt-prefix KV rows kept for follow-up questions, shared like <see cref="EncoderCache"/> (null when
    /// <see cref="PipelineOptions.PrefixCacheMegabytes"/> is 0).
    /// </summary>
    public PrefixCache? PrefixCache => _generator.Prefixes;

    /// <summary>
    /// The continuous-batching scheduler that decodes the sequences of concurrent calls together, shared like
    /// <see cref="EncoderCache"/> (null when <see cref="PipelineOptions.DecodeBatch"/> is 1). Hold its
    /// <see cref="DecodeScheduler.Gate"/> around every call that may run at the same time as another.
    /// </summary>
    public DecodeScheduler? DecodeScheduler => _generator.Scheduler;

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
        ChatTurn.RequireQuestion(question);
        string? fileKey = FileKey(videoPath);
        if (fileKey is not null && AnswerCached(fileKey, question, sampling, onText, cancellationToken) is { } cached) return cached;
        var clock = Stopwatch.StartNew();
        var decoder = new VideoDecoder(Options.FfmpegFolder);
        DecodedVideo video = await decoder.DecodeAsync(videoPath, Options.Sampling, cancellationToken).ConfigureAwait(false);
        TimeSpan decodeTime = clock.Elapsed;
        Log($"decoded {video.Frames.Count} frames {video.Frames.Width}x{video.Frames.Height} at {video.SampleFps:0.###} fps from {Path.GetFileName(videoPath)}");
        var result = GenerateChat([ChatTurn.Ask(question, ChatPart.Video(video.Frames, video.SampleFps))], sampling, onText, control: null,
            cancellationToken, fileKey, lookedUp: fileKey is not null);
        return result with { Timings = result.Timings with { DecodeVideo = decodeTime } };
    }

    /// <summary>Answers a question about frames already in memory (RGB24, sampled at <paramref name="fps"/>).</summary>
    public VideoQaResult GenerateFromFrames(RgbFrames frames, double fps, string question, SamplingOptions? sampling = null,
        Action<string>? onText = null, CancellationToken cancellationToken = default) =>
        GenerateChat([ChatTurn.Ask(question, ChatPart.Video(frames, fps))], sampling, onText, control: null, cancellationToken);

    /// <summary>
    /// Answers a question about one image (any format ffmpeg reads). Token reducers act on video tokens only, so the
    /// image's tokens all reach the prompt; the compression stats count them as visual tokens.
    /// </summary>
    public async Task<VideoQaResult> GenerateFromImageAsync(string imagePath, string question, SamplingOptions? sampling = null,
        Action<string>? onText = null, CancellationToken cancellationToken = default)
    {
        sampling?.Validate();
        ChatTurn.RequireQuestion(question);
        var clock = Stopwatch.StartNew();
        RgbFrames image = await new VideoDecoder(Options.FfmpegFolder).DecodeImageAsync(imagePath, cancellationToken).ConfigureAwait(false);
        TimeSpan decodeTime = clock.Elapsed;
        var result = GenerateChat([ChatTurn.Ask(question, ChatPart.Image(image))], sampling, onText, control: null, cancellationToken);
        return result with { Timings = result.Timings with { DecodeVideo = decodeTime } };
    }

    /// <summary>
    /// Answers the last user turn of <paramref name="conversation"/>: a system turn (the template's default
    /// "You are a helpful assistant." when there is none), earlier user and assistant turns, and videos and images in
    /// any user turn, rendered by Qwen2.5-VL's chat template. Every video of the conversation goes through the vision
    /// tower and the strategy's reducers (the prompt is rebuilt from scratch on each call, as the model keeps no
    /// state between calls); images keep all their tokens. A conversation without media is a plain text chat.
    /// </summary>
    /// <param name="conversation">The turns, in order; the last is a user turn.</param>
    /// <param name="sampling">Decoding settings (null: <see cref="DefaultSampling"/>).</param>
    /// <param name="onText">Receives the answer as it is generated, piece by piece.</param>
    /// <param name="control">Stop predicate, token and logits observers (null: none).</param>
    /// <param name="cancellationToken">Stops decoding between tokens.</param>
    public VideoQaResult GenerateChat(IReadOnlyList<ChatTurn> conversation, SamplingOptions? sampling = null, Action<string>? onText = null,
        DecodeControl? control = null, CancellationToken cancellationToken = default) =>
        GenerateChat(conversation, sampling, onText, control, cancellationToken, videosKey: null, lookedUp: false);

    /// <param name="videosKey">The encoder cache key of the conversation's videos when the caller knows a better one
    /// than their frames' (a file's: a hit then skips decoding too); null: keyed by the frames.</param>
    /// <param name="lookedUp">The caller has just missed <paramref name="videosKey"/> in the cache: encode without asking again.</param>
    private VideoQaResult GenerateChat(IReadOnlyList<ChatTurn> conversation, SamplingOptions? sampling, Action<string>? onText,
        DecodeControl? control, CancellationToken cancellationToken, string? videosKey, bool lookedUp)
    {
        ChatTurn.Validate(conversation);
        sampling ??= DefaultSampling();
        sampling.Validate();
        var clock = Stopwatch.StartNew();
        var preprocessor = new VisionPreprocessor(Options.Preprocessing);
        int merge = Config.Vision.SpatialMergeSize;
        var videoParts = conversation.SelectMany(t => t.Parts).OfType<ChatPart.VideoPart>().ToArray();
        ReducerChain? chain = videoParts.Length == 0 ? null : StrategySpec.Parse(Options.Strategy).CreateChain(Options.StrategyParameters, Options.Verbose, Options.Retention);
        videosKey ??= _encoderCache is null || videoParts.Length == 0 ? null
            : EncoderCacheKey.ForGroup([.. videoParts.Select(v => EncoderCacheKey.ForFrames(v.Frames, v.Fps, Options.Preprocessing, _modelIdentity))]);
        EncoderCache.Lease? lease = videosKey is null || lookedUp ? null : _encoderCache!.TryGet(videosKey, chain!.VisionSignals);
        bool towerSkipped = lease is not null;
        var grids = new List<(int T, int H, int W)>();
        var videos = new List<PreprocessedVideo>();
        var images = new List<PreprocessedImage>();
        var template = new List<ChatMessage>(conversation.Count);
        try
        {
            foreach (ChatTurn turn in conversation)
            {
                var content = new List<ChatContent>(turn.Parts.Count);
                foreach (ChatPart part in turn.Parts)
                {
                    switch (part)
                    {
                        case ChatPart.TextPart text:
                            content.Add(ChatContent.Text(text.Value));
                            break;
                        case ChatPart.VideoPart video:
                            // A cached encoding knows its grids: the frames are not preprocessed again.
                            if (lease is null) videos.Add(preprocessor.PreprocessVideo(video.Frames, video.Fps));
                            grids.Add(lease is null ? videos[^1].Grid : lease.Grids[grids.Count]);
                            content.Add(ChatContent.Video(PromptBuilder.PlaceholdersFor(grids[^1], merge)));
                            break;
                        case ChatPart.ImagePart image:
                            images.Add(preprocessor.PreprocessImage(image.Frame));
                            content.Add(ChatContent.Image(PromptBuilder.PlaceholdersFor(images[^1].Grid, merge)));
                            break;
                    }
                }
                template.Add(new ChatMessage(turn.Role, content));
            }
        }
        catch
        {
            lease?.Dispose(); // bad media: the borrowed encoding goes back
            throw;
        }
        TimeSpan preprocess = clock.Elapsed;
        clock.Restart();

        EncodedVideos? encoded = null;
        IReadOnlyList<double> secondsPerGrid = lease?.SecondsPerGrid ?? [];
        Tensor? imageEmbeds = null;
        try
        {
            if (lease is not null) encoded = lease.Encoded;
            else if (videos.Count > 0)
            {
                var inputs = new VideoInputs([.. videos.Select(v => v.Grid)], Concat(videos.Select(v => v.PixelValues)),
                    [.. videos.Select(v => (double)v.SecondPerGridT)], videos[0].RowLength);
                secondsPerGrid = inputs.SecondsPerGrid;
                encoded = Encode(inputs, chain!.VisionSignals, videosKey, out lease);
            }
            var imageItems = images.Select(i => MediaItem.Image(i.Grid.T, i.Grid.H, i.Grid.W, merge)).ToArray();
            if (images.Count > 0)
            {
                float[] rows = Concat(images.Select(i => i.PixelValues));
                using Tensor pixels = _backend.FromF32(rows, images.Sum(i => i.Rows), images[0].RowLength);
                imageEmbeds = _vision.Encode(pixels, [.. images.Select(i => i.Grid)]);
                _backend.Synchronize();
            }
            TimeSpan visionTime = towerSkipped && images.Count == 0 ? TimeSpan.Zero : clock.Elapsed;
            var stage = new PromptStage(Config, Tokenizer);
            var result = ReduceAndGenerate(chain, Options.Strategy, encoded, grids, secondsPerGrid,
                reduced => stage.Build(reduced, template, imageItems, imageEmbeds), imageItems.Sum(i => i.TokenCount),
                sampling, onText, control, cancellationToken, visionTime);
            return result with { Timings = result.Timings with { Preprocess = preprocess } };
        }
        finally
        {
            if (lease is not null) lease.Dispose(); // the cache keeps the encoding
            else encoded?.Dispose();
            imageEmbeds?.Dispose();
        }
    }

    /// <summary>Patch rows of several items, one after the other (the one array itself when there is one).</summary>
    private static float[] Concat(IEnumerable<float[]> parts)
    {
        var list = parts.ToList();
        if (list.Count == 1) return list[0];
        var all = new float[list.Sum(p => (long)p.Length)];
        long at = 0;
        foreach (var part in list)
        {
            Array.Copy(part, 0, all, at, part.Length);
            at += part.Length;
        }
        return all;
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
        ArgumentNullException.ThrowIfNull(videos);
        sampling ??= DefaultSampling();
        sampling.Validate();
        ReducerChain chain = StrategySpec.Parse(Options.Strategy).CreateChain(strategyParameters ?? Options.StrategyParameters, Options.Verbose, Options.Retention);
        var clock = Stopwatch.StartNew();
        // vision → reduction → prompt → language model; each arrow is one type. Signals a reducer scores with
        // (e.g. FastVID's last-block saliency) come from the same encode.
        using EncodedVideos encoded = new VisionStage(_backend, _vision).Encode(videos, chain.VisionSignals);
        TimeSpan visionTime = clock.Elapsed;
        var stage = new PromptStage(Config, Tokenizer);
        return ReduceAndGenerate(chain, Options.Strategy, encoded, videos.Grids, videos.SecondsPerGrid,
            reduced => stage.FromIds(reduced!, videos.Grids, inputIds), imageTokens: 0, sampling, onText, control: null, cancellationToken, visionTime);
    }

    /// <summary>
    /// The stages after the vision tower, shared by every entry: reduction (when there are videos) → prompt → language
    /// model. <paramref name="prompt"/> builds the prompt around the reduced videos (null without videos).
    /// </summary>
    private VideoQaResult ReduceAndGenerate(ReducerChain? chain, string strategy, EncodedVideos? encoded, IReadOnlyList<(int T, int H, int W)> grids,
        IReadOnlyList<double> secondsPerGrid, Func<ReducedVideos?, TextPrompt> prompt, int imageTokens, SamplingOptions sampling,
        Action<string>? onText, DecodeControl? control, CancellationToken cancellationToken, TimeSpan visionTime)
    {
        var clock = Stopwatch.StartNew();
        using ReducedVideos? reduced = encoded is null ? null : new ReductionStage(_backend, Config).Run(chain!, encoded, grids, secondsPerGrid, ReductionContext());
        TimeSpan reductionTime = clock.Elapsed;

        TextPrompt built = prompt(reduced);
        var (text, generated, prefill, decode) = new LanguageModelStage(_generator, Tokenizer).Run(built, sampling, onText, control, cancellationToken);

        string name = reduced is not null ? strategy : imageTokens > 0 ? "none (image)" : "none (text)";
        var stats = Statistics(name, chain, reduced, imageTokens, built, generated.Reductions);
        var timings = new PipelineTimings(TimeSpan.Zero, TimeSpan.Zero, visionTime, reductionTime, prefill, decode,
            Math.Max(0, generated.Tokens.Count - 1));
        return new VideoQaResult(text, generated.Tokens, generated.Reason, stats, timings, built.InputIds);
    }

    /// <summary>
    /// The one place a result's statistics are assembled: the stages before the model, then the in-model ones; images
    /// count as visual tokens that every stage keeps.
    /// </summary>
    private CompressionStats Statistics(string strategy, ReducerChain? chain, ReducedVideos? reduced, int imageTokens, TextPrompt prompt,
        IReadOnlyList<StageRecord> inModel) =>
        new(strategy, (reduced?.TokensBefore ?? 0) + imageTokens, (reduced?.TokensAfter ?? 0) + imageTokens, prompt.InputIds.Count,
            [.. reduced?.Stages ?? [], .. inModel], Config.Text.NumHiddenLayers)
        {
            TargetRetentionPercent = chain?.Retention is double r ? Math.Round(r * 100, 6) : null,
        };

    /// <summary>What reducers are told about the model, with the pipeline's log.</summary>
    private ReductionContext ReductionContext()
    {
        var vision = Config.Vision;
        return new ReductionContext(new ReducerModelInfo(Config.Text.HiddenSize, Config.Text.NumHiddenLayers, vision.SpatialMergeSize,
            vision.TemporalPatchSize, vision.TokensPerSecond), Log);
    }


    private void Log(string line) => Options.Log?.Invoke(line);

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_ownsModel) return;
        _encoderCache?.Dispose();
        _generator.Scheduler?.Dispose();
        _generator.Prefixes?.Dispose();
        _text.Dispose();
        _vision.Dispose();
        _weights.Dispose();
        _backend.Dispose();
    }
}
