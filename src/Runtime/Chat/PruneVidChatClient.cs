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
/// An <see cref="IChatClient"/> over the pipeline's loaded model that holds conversations as Qwen2.5-VL's chat template
/// renders them: a system message (the template's default one when there is none), earlier user and assistant turns,
/// and videos and images in any user message (a <see cref="DataContent"/> with a <c>video/*</c> or <c>image/*</c>
/// media type, or a <see cref="UriContent"/> file path); a conversation without media is a text chat. Options map to decoding (<c>MaxOutputTokens</c>, <c>Temperature</c>, <c>TopP</c>, <c>TopK</c>, <c>Seed</c>,
/// <c>StopSequences</c>); <see cref="StrategyKey"/> / <see cref="ParametersKey"/> in <c>AdditionalProperties</c> pick
/// the reducer per request. The model runs one request at a time (the backend is not re-entrant): concurrent calls
/// wait their turn on one semaphore, and with a pipeline that batches decoding (<see cref="PipelineOptions.DecodeBatch"/>)
/// a request gives the model back once its prompt is prefilled, so the next one is encoded and prefilled between
/// decode steps while the sequences already prefilled decode together.
/// </summary>
public sealed class PruneVidChatClient : IChatClient
{
    /// <summary><c>AdditionalProperties</c> key of a strategy spec (e.g. <c>"prunevid-stage1:aggressive"</c>).</summary>
    public const string StrategyKey = "prunevid.strategy";

    /// <summary><c>AdditionalProperties</c> key of the strategy parameters: <c>"tau=0.85"</c> or a name → value map.</summary>
    public const string ParametersKey = "prunevid.params";

    /// <summary>
    /// <c>AdditionalProperties</c> key asking for log-probabilities: the number of alternatives per token (0 to 20). Each
    /// text update then carries its tokens' <see cref="TokenLogprob"/> list under <see cref="LogprobsKey"/>.
    /// </summary>
    public const string TopLogprobsKey = "prunevid.top_logprobs";

    /// <summary><c>AdditionalProperties</c> key, on text updates, of their tokens' <see cref="TokenLogprob"/> list.</summary>
    public const string LogprobsKey = "prunevid.logprobs";

    /// <summary><c>AdditionalProperties</c> key, on the response and the last update, of the <see cref="VideoQaResult"/> (compression and timings).</summary>
    public const string ResultKey = "prunevid.result";

    private readonly VideoQaPipeline _pipeline;
    private readonly bool _ownsPipeline;
    // The model's one user at a time: with continuous batching the scheduler's gate, which a request gives back while
    // its sequence decodes with the others.
    private readonly SemaphoreSlim _model;
    // Requests holding decoded frames: those that may be on the model, and one more decoded while they run.
    private readonly SemaphoreSlim _staged;
    // Requests past the media stage and on the model (encoding, prefilling or decoding): at most the decode batch, so
    // none waits for a place in the batch while counted as running.
    private readonly SemaphoreSlim _places;
    private int _running;

    /// <summary>A client over <paramref name="pipeline"/>; <paramref name="ownsPipeline"/>: dispose it with the client.</summary>
    public PruneVidChatClient(VideoQaPipeline pipeline, string? modelId = null, bool ownsPipeline = false)
    {
        _pipeline = pipeline ?? throw new ArgumentNullException(nameof(pipeline));
        _ownsPipeline = ownsPipeline;
        _model = pipeline.DecodeScheduler?.Gate ?? new SemaphoreSlim(1, 1);
        int running = pipeline.DecodeScheduler?.MaxSequences ?? 1;
        _staged = new SemaphoreSlim(running + 1, running + 1);
        _places = new SemaphoreSlim(running, running);
        Metadata = new ChatClientMetadata("prunevid", defaultModelId: modelId ?? "qwen2.5-vl");
    }

    /// <summary>Provider and model name.</summary>
    public ChatClientMetadata Metadata { get; }

    /// <summary>Generations running on the model now: encoding, prefilling or decoding (at most the pipeline's decode batch, and 1 without one).</summary>
    public int RunningGenerations => Volatile.Read(ref _running);

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var text = new StringBuilder();
        ChatResponseUpdate? last = null;
        List<TokenLogprob>? logprobs = null;
        await foreach (var update in GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
        {
            text.Append(update.Text);
            if (update.AdditionalProperties?.TryGetValue(LogprobsKey, out object? entries) == true && entries is IReadOnlyList<TokenLogprob> list)
                (logprobs ??= []).AddRange(list);
            last = update;
        }
        if (logprobs is not null && last?.AdditionalProperties is { } final) final[LogprobsKey] = logprobs;
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

    /// <summary>Most videos one request may hold, over all its turns (each is decoded, encoded and reduced on every request).</summary>
    public const int MaxVideosPerRequest = 4;

    /// <summary>Most images one request may hold, over all its turns.</summary>
    public const int MaxImagesPerRequest = 8;

    /// <summary>
    /// Checks a request without touching the model (so a server can refuse it before it queues): a conversation of
    /// system, user and assistant messages ending with a user message, videos and images in user messages (at most
    /// <see cref="MaxVideosPerRequest"/> and <see cref="MaxImagesPerRequest"/>), options in range, a known strategy.
    /// Media given as bytes is written to temporary files that disposing the result deletes.
    /// </summary>
    /// <exception cref="ChatRequestException">The request cannot be answered as given.</exception>
    public PreparedChat Prepare(IEnumerable<ChatMessage> messages, ChatOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = messages.ToList();
        if (list.Count == 0) throw new ChatRequestException("the conversation is empty; send at least one user message.", "messages");
        var shapes = new List<(Text.ChatRole Role, List<object> Parts)>();
        int videos = 0, images = 0;
        for (int m = 0; m < list.Count; m++)
        {
            string at = $"messages[{m}]";
            var message = list[m] ?? throw new ChatRequestException($"{at} is null.", at);
            Text.ChatRole role = message.Role == ChatRole.System ? Text.ChatRole.System
                : message.Role == ChatRole.User ? Text.ChatRole.User
                : message.Role == ChatRole.Assistant ? Text.ChatRole.Assistant
                : throw new ChatRequestException($"{at} has the role '{message.Role}'; use system, user or assistant (tool calls are not supported).", at);
            var parts = new List<object>();
            foreach (AIContent content in message.Contents)
            {
                if (content is TextContent t) { parts.Add(t.Text); continue; }
                if (content is UsageContent) continue;
                ChatMedia item = ChatMedia.From(content)
                    ?? throw new ChatRequestException($"{at} holds content of type {content.GetType().Name}; use text, a video or an image.", at);
                if (role != Text.ChatRole.User)
                    throw new ChatRequestException($"{at} is a {role.ToString().ToLowerInvariant()} message with a video or image; media belong in user messages.", at);
                if (item.IsVideo && ++videos > MaxVideosPerRequest)
                    throw new ChatRequestException($"the conversation holds more than {MaxVideosPerRequest} videos; send at most {MaxVideosPerRequest} per request.", at);
                if (!item.IsVideo && ++images > MaxImagesPerRequest)
                    throw new ChatRequestException($"the conversation holds more than {MaxImagesPerRequest} images; send at most {MaxImagesPerRequest} per request.", at);
                parts.Add(item);
            }
            shapes.Add((role, parts));
        }
        var (lastRole, lastParts) = shapes[^1];
        if (lastRole != Text.ChatRole.User)
            throw new ChatRequestException("the last message must be the user's (the model answers it).", $"messages[{list.Count - 1}]");
        if (!lastParts.Any(p => p is not string s || !string.IsNullOrWhiteSpace(s)))
            throw new ChatRequestException("the last user message is empty; ask something, or send a video or an image.", $"messages[{list.Count - 1}]");

        var sampling = ChatOptionsMapping.Sampling(_pipeline, options);
        var stops = ChatOptionsMapping.StopSequences(options);
        int? topLogprobs = ChatOptionsMapping.TopLogprobs(options);
        var (pipeline, isView) = ChatOptionsMapping.Strategy(_pipeline, options);
        var temporary = new List<string>();
        try
        {
            var turns = new List<PreparedTurn>();
            foreach (var (role, parts) in shapes)
            {
                var files = new List<object>();
                foreach (object part in parts)
                {
                    if (part is not ChatMedia media) { files.Add(part); continue; }
                    var (file, written) = media.ToFile();
                    if (written is not null) temporary.Add(written);
                    files.Add(file);
                }
                turns.Add(new PreparedTurn(role, files));
            }
            return new PreparedChat(turns, sampling, pipeline, isView, stops, topLogprobs, temporary);
        }
        catch
        {
            if (isView) pipeline.Dispose();
            foreach (string file in temporary) try { File.Delete(file); } catch (IOException) { }
            throw;
        }
    }

    /// <summary>
    /// Decodes the conversation's videos and images (overlapping the generation ahead), runs the request when the model
    /// is free, streaming the answer; decoding stops at the first stop sequence, which never shows, not even in part.
    /// The last update carries usage, the finish reason and the <see cref="VideoQaResult"/> under
    /// <see cref="ResultKey"/>. Cancelling (or abandoning the stream) stops the generation between tokens; the model is
    /// free again only once it has stopped.
    /// </summary>
    public async IAsyncEnumerable<ChatResponseUpdate> RunAsync(PreparedChat chat, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chat);
        await _staged.WaitAsync(cancellationToken).ConfigureAwait(false);
        List<ChatTurn> conversation;
        TimeSpan decodeTime;
        try
        {
            // Media decoding (ffmpeg) needs no model: it overlaps the generation ahead of it.
            var clock = Stopwatch.StartNew();
            conversation = await DecodeAsync(chat, cancellationToken).ConfigureAwait(false);
            decodeTime = clock.Elapsed;
            await _places.WaitAsync(cancellationToken).ConfigureAwait(false);
            try { await _model.WaitAsync(cancellationToken).ConfigureAwait(false); }
            catch
            {
                _places.Release();
                throw;
            }
        }
        catch
        {
            _staged.Release();
            throw;
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pieces = Channel.CreateUnbounded<(string Text, IReadOnlyList<TokenLogprob>? Logprobs)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        string id = "chatcmpl-" + Guid.NewGuid().ToString("N");
        Task<VideoQaResult>? run = null;
        Interlocked.Increment(ref _running);
        try
        {
            // The filter runs beside the decoding loop, so the loop ends at the token that completes a stop string.
            var filter = new StopSequenceFilter(chat.StopSequences);
            var logprobs = chat.TopLogprobs is int top ? new LogprobCollector(chat.Pipeline.Tokenizer, top, chat.Sampling.EosTokenIds) : null;
            var control = new DecodeControl { StopRequested = () => filter.Stopped, OnLogits = logprobs is null ? null : logprobs.Observe, OnToken = logprobs is null ? null : logprobs.Chose };
            run = Task.Run(() =>
            {
                var result = chat.Pipeline.GenerateChat(conversation, chat.Sampling, piece =>
                {
                    string visible = filter.Push(piece);
                    if (visible.Length > 0) pieces.Writer.TryWrite((visible, logprobs?.Take()));
                }, control, stop.Token);
                return result with { Timings = result.Timings with { DecodeVideo = decodeTime } };
            }, CancellationToken.None);
            _ = run.ContinueWith(_ => pieces.Writer.TryComplete(), TaskScheduler.Default);
            await foreach (var (piece, pieceLogprobs) in pieces.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                yield return Update(id, piece, pieceLogprobs);
            VideoQaResult result = await run.ConfigureAwait(false);
            string tail = filter.Flush();
            // Tokens held back behind a stop string that then appeared are dropped with it.
            if (tail.Length > 0) yield return Update(id, tail, logprobs?.Take());
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
            _places.Release();
            _staged.Release();
        }
    }

    /// <summary>The prepared conversation with every video and image decoded.</summary>
    private static async Task<List<ChatTurn>> DecodeAsync(PreparedChat chat, CancellationToken cancellationToken)
    {
        var decoder = new VideoDecoder(chat.Pipeline.Options.FfmpegFolder);
        var turns = new List<ChatTurn>(chat.Turns.Count);
        foreach (PreparedTurn turn in chat.Turns)
        {
            var parts = new List<ChatPart>(turn.Parts.Count);
            foreach (object part in turn.Parts)
            {
                if (part is not MediaFile file) { parts.Add(ChatPart.Text((string)part)); continue; }
                if (file.IsVideo)
                {
                    DecodedVideo video = await decoder.DecodeAsync(file.Path, chat.Pipeline.Options.Sampling, cancellationToken).ConfigureAwait(false);
                    parts.Add(ChatPart.Video(video.Frames, video.SampleFps));
                }
                else parts.Add(ChatPart.Image(await decoder.DecodeImageAsync(file.Path, cancellationToken).ConfigureAwait(false)));
            }
            turns.Add(new ChatTurn(turn.Role, parts));
        }
        return turns;
    }

    /// <summary>Waits until no generation runs and keeps the model for the caller's shutdown.</summary>
    public async Task WaitUntilIdleAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            await _model.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (Volatile.Read(ref _running) == 0) return; // with batching, sequences may decode while the model is free
            _model.Release();
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    private ChatResponseUpdate Update(string id, string text, IReadOnlyList<TokenLogprob>? logprobs) => new(ChatRole.Assistant, text)
    {
        ResponseId = id, MessageId = id, ModelId = Metadata.DefaultModelId, CreatedAt = DateTimeOffset.UtcNow,
        AdditionalProperties = logprobs is null ? null : new AdditionalPropertiesDictionary { [LogprobsKey] = logprobs },
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
        bool gateIsTheSchedulers = _pipeline.DecodeScheduler is not null; // the pipeline owns that one
        if (_ownsPipeline) _pipeline.Dispose();
        if (!gateIsTheSchedulers) _model.Dispose();
        _places.Dispose();
        _staged.Dispose();
    }
}
