// PruneVid.NET — pipeline: the encoder cache's place in the entries (look up, encode on a miss, lend).
using System.Diagnostics;
using PruneVid.Runtime.Media;
using PruneVid.Runtime.Model.Text;
using PruneVid.Runtime.Preprocessing;
using PruneVid.Runtime.Text;
using PruneVid.Strategies;

namespace PruneVid.Runtime.Pipeline;

public sealed partial class VideoQaPipeline
{
    /// <summary>The cache key of a video file with this pipeline's sampling (null without a cache).</summary>
    private string? FileKey(string videoPath)
    {
        if (_encoderCache is null) return null;
        if (!File.Exists(videoPath)) return null; // the decoder says what is wrong with the path
        return EncoderCacheKey.ForFile(videoPath, Options.Sampling, Options.Preprocessing, _modelIdentity);
    }

    /// <summary>
    /// Runs the vision tower on <paramref name="inputs"/>. With a <paramref name="key"/>, the cache takes the result
    /// (computed with the signals its old entry held as well, so the strategies that hit before still hit) and lends
    /// it through <paramref name="lease"/>; without one, the caller owns it.
    /// </summary>
    private EncodedVideos Encode(VideoInputs inputs, IReadOnlyList<VisionSignalRequest> signals, string? key, out EncoderCache.Lease? lease)
    {
        lease = null;
        var tower = new VisionStage(_backend, _vision);
        if (key is null) return tower.Encode(inputs, signals);
        VisionSignalRequest[] all = [.. signals.Union(_encoderCache!.SignalsHeld(key))];
        lease = _encoderCache.Add(key, tower.Encode(inputs, all), inputs.Grids, inputs.SecondsPerGrid);
        return lease.Encoded;
    }

    /// <summary>
    /// Answers a question about a video file whose encoding the cache holds, without decoding it (null on a miss).
    /// The prompt is the one <see cref="GenerateChat(IReadOnlyList{ChatTurn}, SamplingOptions?, Action{string}?, DecodeControl?, CancellationToken)"/>
    /// renders for the same question.
    /// </summary>
    private VideoQaResult? AnswerCached(string fileKey, string question, SamplingOptions? sampling, Action<string>? onText,
        CancellationToken cancellationToken)
    {
        ReducerChain chain = StrategySpec.Parse(Options.Strategy).CreateChain(Options.StrategyParameters, Options.Verbose, Options.Retention);
        using EncoderCache.Lease? lease = _encoderCache!.TryGet(fileKey, chain.VisionSignals);
        if (lease is null) return null;
        sampling ??= DefaultSampling();
        var (t, h, w) = lease.Grids[0];
        Log($"encoder cache hit: {t * h * w / (Config.Vision.SpatialMergeSize * Config.Vision.SpatialMergeSize)} video tokens, no decode and no vision tower");
        var conversation = PromptStage.Question(question, PromptBuilder.PlaceholdersFor(lease.Grids[0], Config.Vision.SpatialMergeSize));
        var stage = new PromptStage(Config, Tokenizer);
        return ReduceAndGenerate(chain, Options.Strategy, lease.Encoded, lease.Grids, lease.SecondsPerGrid,
            reduced => stage.Build(reduced, conversation, [], null), imageTokens: 0, sampling, onText, control: null,
            cancellationToken, visionTime: TimeSpan.Zero);
    }

    /// <summary>
    /// An <see cref="EncodedVideo"/> of <paramref name="key"/> from the cache, or made by <paramref name="decode"/>
    /// and the vision tower (and then kept in the cache). Without a cache the caller owns the encoding alone.
    /// </summary>
    private async Task<EncodedVideo> EncodeThroughCache(string? key, IReadOnlyList<VisionSignalRequest> signals,
        Func<Task<(RgbFrames Frames, double Fps, TimeSpan DecodeTime)>> decode)
    {
        if (key is not null && _encoderCache!.TryGet(key, signals) is { } hit)
            return new EncodedVideo(hit.Encoded, signals, hit.Grids[0], hit.SecondsPerGrid[0], TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, hit);
        var (frames, fps, decodeTime) = await decode().ConfigureAwait(false);
        ArgumentNullException.ThrowIfNull(frames);
        var clock = Stopwatch.StartNew();
        PreprocessedVideo pixels = new VisionPreprocessor(Options.Preprocessing).PreprocessVideo(frames, fps);
        TimeSpan preprocess = clock.Elapsed;
        clock.Restart();
        var inputs = new VideoInputs([pixels.Grid], pixels.PixelValues, [pixels.SecondPerGridT]);
        EncodedVideos encoded = Encode(inputs, signals, key, out EncoderCache.Lease? lease);
        return new EncodedVideo(encoded, signals, pixels.Grid, pixels.SecondPerGridT, decodeTime, preprocess, clock.Elapsed, lease);
    }
}
