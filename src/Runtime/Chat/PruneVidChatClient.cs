// PruneVid.NET — chat: Microsoft.Extensions.AI's IChatClient over the pipeline, in process.
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.AI;
using PruneVid.Runtime.Media;
using PruneVid.Runtime.Model.Text;
using PruneVid.Runtime.Pipeline;

namespace PruneVid.Runtime.Chat;

/// <summary>
/// An <see cref="IChatClient"/> that answers one user message holding text and one video (a <see cref="DataContent"/>
/// with a <c>video/*</c> media type, or a <see cref="UriContent"/> file path) or one image, with the pipeline's loaded
/// model. Options map to decoding (<c>MaxOutputTokens</c>, <c>Temperature</c>, <c>TopP</c>, <c>TopK</c>, <c>Seed</c>,
/// <c>StopSequences</c>); <see cref="StrategyKey"/> / <see cref="ParametersKey"/> in <c>AdditionalProperties</c> pick
/// the reducer per request. The model runs one request at a time (the backend is not re-entrant): concurrent calls
/// wait their turn on one semaphore.
/// </summary>
public sealed class PruneVidChatClient : IChatClient
{
    /// <summary><c>AdditionalProperties</c> key of a strategy spec (e.g. <c>"prunevid-stage1:aggressive"</c>).</summary>
    public const string StrategyKey = "prunevid.strategy";

    /// <summary><c>AdditionalProperties</c> key of the strategy parameters: <c>"tau=0.85"</c> or a name → value map.</summary>
    public const string ParametersKey = "prunevid.params";

    /// <summary><c>AdditionalProperties</c> key, on the response and the last update, of the <see cref="VideoQaResult"/> (compression and timings).</summary>
    public const string ResultKey = "prunevid.result";

    private readonly VideoQaPipeline _pipeline;
    private readonly bool _ownsPipeline;
    private readonly SemaphoreSlim _model = new(1, 1);
    // Two requests at most hold decoded frames: the one on the model and the next, decoded while the first runs.
    private readonly SemaphoreSlim _staged = new(2, 2);
    private int _running;

    /// <summary>A client over <paramref name="pipeline"/>; <paramref name="ownsPipeline"/>: dispose it with the client.</summary>
    public PruneVidChatClient(VideoQaPipeline pipeline, string? modelId = null, bool ownsPipeline = false)
    {
        _pipeline = pipeline ?? throw new ArgumentNullException(nameof(pipeline));
        _ownsPipeline = ownsPipeline;
        Metadata = new ChatClientMetadata("prunevid", defaultModelId: modelId ?? "qwen2.5-vl");
    }

    /// <summary>Provider and model name.</summary>
    public ChatClientMetadata Metadata { get; }

    /// <summary>Generations running on the model now (0 or 1).</summary>
    public int RunningGenerations => Volatile.Read(ref _running);

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var text = new StringBuilder();
        ChatResponseUpdate? last = null;
        await foreach (var update in GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
        {
            text.Append(update.Text);
            last = update;
        }
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, text.ToString()))
        {
            ResponseId = last?.ResponseId,
            ModelId = last?.ModelId,
            FinishReason = last?.FinishReason,
            Usage = last?.Contents.OfType<UsageContent>().FirstOrDefault()?.Details,
            AdditionalProperties = last?.AdditionalProperties,
            CreatedAt = last?.CreatedAt,
        };
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using PreparedChat chat = Prepare(messages, options);
        await foreach (var update in RunAsync(chat, cancellationToken).ConfigureAwait(false)) yield return update;
    }

    /// <summary>
    /// Checks a request without touching the model (so a server can refuse it before it queues): one user message,
    /// one video or image, options in range, a known strategy. A video given as bytes is written to a temporary file
    /// that disposing the result deletes.
    /// </summary>
    /// <exception cref="ChatRequestException">The request cannot be answered as given.</exception>
    public PreparedChat Prepare(IEnumerable<ChatMessage> messages, ChatOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = messages.ToList();
        if (list.Count != 1 || list[0].Role != ChatRole.User)
            throw new ChatRequestException("send exactly one user message (text plus one video or image); system prompts and earlier turns are not supported yet.", "messages");
        var question = new StringBuilder();
        ChatMedia? media = null;
        foreach (AIContent content in list[0].Contents)
        {
            if (content is TextContent t) { question.Append(t.Text); continue; }
            ChatMedia? item = ChatMedia.From(content);
            if (item is null) throw new ChatRequestException($"message content of type {content.GetType().Name} is not supported; use text, a video or an image.", "messages");
            if (media is not null) throw new ChatRequestException("send one video or one image per request; the pipeline answers about one at a time.", "messages");
            media = item;
        }
        if (media is null) throw new ChatRequestException("the message has no video or image; this model answers questions about one video or image.", "messages");
        if (question.ToString().Trim().Length == 0) throw new ChatRequestException("the message has no question text.", "messages");

        var sampling = ChatOptionsMapping.Sampling(_pipeline, options);
        var stops = ChatOptionsMapping.StopSequences(options);
        var (pipeline, isView) = ChatOptionsMapping.Strategy(_pipeline, options);
        try
        {
            var (path, temporary) = media.ToFile();
            return new PreparedChat(question.ToString(), path, media.IsVideo, sampling, pipeline, isView, stops, temporary);
        }
        catch
        {
            if (isView) pipeline.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Decodes the video (overlapping the generation ahead), runs the request when the model is free, streaming the answer; the last update carries usage, the finish
    /// reason and the <see cref="VideoQaResult"/> under <see cref="ResultKey"/>. Cancelling (or abandoning the stream)
    /// stops the generation between tokens; the model is free again only once it has stopped.
    /// </summary>
    public async IAsyncEnumerable<ChatResponseUpdate> RunAsync(PreparedChat chat, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chat);
        await _staged.WaitAsync(cancellationToken).ConfigureAwait(false);
        DecodedVideo? video;
        TimeSpan decodeTime;
        try
        {
            // Video decoding (ffmpeg) needs no model: it overlaps the generation ahead of it.
            var clock = Stopwatch.StartNew();
            video = chat.IsVideo ? await new VideoDecoder(chat.Pipeline.Options.FfmpegFolder)
                .DecodeAsync(chat.MediaPath, chat.Pipeline.Options.Sampling, cancellationToken).ConfigureAwait(false) : null;
            decodeTime = clock.Elapsed;
            await _model.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _staged.Release();
            throw;
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pieces = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        string id = "chatcmpl-" + Guid.NewGuid().ToString("N");
        Task<VideoQaResult>? run = null;
        Interlocked.Increment(ref _running);
        try
        {
            run = Task.Run(() => Generate(chat, video, decodeTime, piece => pieces.Writer.TryWrite(piece), stop.Token), CancellationToken.None);
            _ = run.ContinueWith(_ => pieces.Writer.TryComplete(), TaskScheduler.Default);
            var filter = new StopSequenceFilter(chat.StopSequences);
            await foreach (string piece in pieces.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                // After a stop sequence the rest is dropped; decoding runs on to max tokens (the pipeline has no stop-string hook).
                string visible = filter.Push(piece);
                if (visible.Length > 0) yield return Update(id, visible);
            }
            VideoQaResult result = await run.ConfigureAwait(false);
            string tail = filter.Flush();
            if (tail.Length > 0) yield return Update(id, tail);
            yield return Final(id, result, filter.Stopped);
        }
        finally
        {
            if (run is not null && !run.IsCompleted)
            {
                stop.Cancel();
                try { await run.ConfigureAwait(false); } catch (Exception) { } // cancelled or failed: the caller has gone
            }
            Interlocked.Decrement(ref _running);
            _model.Release();
            _staged.Release();
        }
    }

    /// <summary>Waits until no generation runs and keeps the model for the caller's shutdown.</summary>
    public Task WaitUntilIdleAsync(CancellationToken cancellationToken = default) => _model.WaitAsync(cancellationToken);

    private static async Task<VideoQaResult> Generate(PreparedChat chat, DecodedVideo? video, TimeSpan decodeTime, Action<string> onText,
        CancellationToken cancellationToken)
    {
        if (video is null)
            return await chat.Pipeline.GenerateFromImageAsync(chat.MediaPath, chat.Question, chat.Sampling, onText, cancellationToken).ConfigureAwait(false);
        var result = chat.Pipeline.GenerateFromFrames(video.Frames, video.SampleFps, chat.Question, chat.Sampling, onText, cancellationToken);
        return result with { Timings = result.Timings with { DecodeVideo = decodeTime } };
    }

    private ChatResponseUpdate Update(string id, string text) => new(ChatRole.Assistant, text)
    {
        ResponseId = id, MessageId = id, ModelId = Metadata.DefaultModelId, CreatedAt = DateTimeOffset.UtcNow,
    };

    private ChatResponseUpdate Final(string id, VideoQaResult result, bool stoppedBySequence)
    {
        var usage = new UsageDetails
        {
            InputTokenCount = result.PromptIds.Count,
            OutputTokenCount = result.Tokens.Count,
            TotalTokenCount = result.PromptIds.Count + result.Tokens.Count,
        };
        return new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(usage)])
        {
            ResponseId = id, MessageId = id, ModelId = Metadata.DefaultModelId, CreatedAt = DateTimeOffset.UtcNow,
            FinishReason = stoppedBySequence || result.FinishReason == FinishReason.Eos ? ChatFinishReason.Stop : ChatFinishReason.Length,
            AdditionalProperties = new AdditionalPropertiesDictionary { [ResultKey] = result },
        };
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? Metadata
        : serviceType.IsInstanceOfType(this) ? this
        : serviceType == typeof(VideoQaPipeline) ? _pipeline
        : null;

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsPipeline) _pipeline.Dispose();
        _model.Dispose();
        _staged.Dispose();
    }
}
