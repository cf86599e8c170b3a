// PruneVid.NET — serve: POST /v1/chat/completions.
using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using PruneVid.Cli.Commands;
using PruneVid.Runtime.Chat;
using PruneVid.Runtime.Pipeline;

namespace PruneVid.Cli.Serve;

/// <summary>
/// Reads the JSON, admits the request or answers 429, checks its media and strategy without touching the model, then
/// runs it on the chat client, as one JSON answer or as server-sent events. A client that disconnects cancels its
/// generation. Every failure is an OpenAI-shaped error; details of unexpected ones go to the server log only.
/// </summary>
internal static class ChatCompletionsEndpoint
{
    public static async Task HandleAsync(HttpContext http, ServerState state)
    {
        var clock = Stopwatch.StartNew();
        CancellationToken aborted = http.RequestAborted;
        try
        {
            PruneVidChatClient chat = state.Chat
                ?? throw new OpenAiError(503, "the model is still loading; retry when GET /health answers 200.", null, "model_loading", "server_error");
            ChatCompletionRequest request;
            using (var body = await ReadJsonAsync(http.Request, aborted).ConfigureAwait(false))
                request = ChatCompletionRequest.Parse(body.RootElement);
            // Admitted before the media is fetched and probed, so a full server refuses at once.
            using var ticket = state.Queue.TryEnter()
                ?? throw new OpenAiError(429, $"the server is busy: {state.Settings.MaxQueue} requests are already waiting; retry later.", null, "queue_full", "rate_limit_error");
            using var media = new RequestMedia(state.Settings, state.Local, state.Remote, state.MediaChecks);
            List<ChatMessage> messages = await media.ResolveAsync(request.Messages, aborted).ConfigureAwait(false);
            using PreparedChat prepared = chat.Prepare(messages, request.Options);
            string model = state.ResponseModel(request.Options.ModelId);
            if (request.Stream) await StreamAsync(http.Response, chat, prepared, request.IncludeUsage, model, state, clock, aborted).ConfigureAwait(false);
            else await CompleteAsync(http.Response, chat, prepared, model, state, clock, aborted).ConfigureAwait(false);
            state.Metrics.Responded(200);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            state.Metrics.Cancelled();
        }
        catch (Exception e)
        {
            var error = OpenAiError.From(e);
            if (error.Status >= 500 && error.Status != 503) Console.Error.WriteLine($"prunevid serve: request failed: {e}");
            state.Metrics.Responded(error.Status);
            await WriteErrorAsync(http.Response, error, state.Settings).ConfigureAwait(false);
        }
    }

    private static async Task<JsonDocument> ReadJsonAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await JsonDocument.ParseAsync(request.Body, default, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            throw OpenAiError.BadRequest("the body is not valid JSON.", null, "invalid_json");
        }
    }

    private static async Task CompleteAsync(HttpResponse response, PruneVidChatClient chat, PreparedChat prepared, string model, ServerState state,
        Stopwatch clock, CancellationToken cancellationToken)
    {
        var text = new System.Text.StringBuilder();
        ChatResponseUpdate? last = null;
        TimeSpan? firstToken = null;
        var logprobs = new List<TokenLogprob>();
        await foreach (var update in chat.RunAsync(prepared, cancellationToken).ConfigureAwait(false))
        {
            if (update.Text.Length > 0) firstToken ??= clock.Elapsed;
            text.Append(update.Text);
            logprobs.AddRange(Logprobs(update));
            last = update;
        }
        var result = Result(last!);
        Record(state, result, clock, firstToken);
        response.ContentType = "application/json";
        await response.WriteAsync(JsonSerializer.Serialize(new
        {
            id = last!.ResponseId,
            @object = "chat.completion",
            created = Created(last),
            model,
            choices = new[]
            {
                new { index = 0, message = new { role = "assistant", content = text.ToString() }, finish_reason = Finish(last), logprobs = LogprobsJson(prepared, logprobs) },
            },
            usage = Usage(result),
            prunevid = Extension(result, prepared),
        }), cancellationToken).ConfigureAwait(false);
    }

    private static async Task StreamAsync(HttpResponse response, PruneVidChatClient chat, PreparedChat prepared, bool includeUsage,
        string model, ServerState state, Stopwatch clock, CancellationToken cancellationToken)
    {
        bool started = false;
        TimeSpan? firstToken = null;
        // Headers go out with the first update, so a failure before any text still gets its proper status code.
        await foreach (var update in chat.RunAsync(prepared, cancellationToken).ConfigureAwait(false))
        {
            if (!started)
            {
                response.StatusCode = 200;
                response.ContentType = "text/event-stream";
                response.Headers.CacheControl = "no-cache";
                await SendAsync(response, Chunk(update, model, new { role = "assistant", content = "" }, null), cancellationToken).ConfigureAwait(false);
                started = true;
            }
            if (update.Text.Length > 0)
            {
                firstToken ??= clock.Elapsed;
                await SendAsync(response, Chunk(update, model, new { content = update.Text }, null, LogprobsJson(prepared, Logprobs(update))), cancellationToken).ConfigureAwait(false);
            }
            if (update.FinishReason is null) continue;
            var result = Result(update);
            Record(state, result, clock, firstToken);
            var final = Chunk(update, model, new { }, Finish(update));
            await SendAsync(response, new Dictionary<string, object?>(final) { ["prunevid"] = Extension(result, prepared) }, cancellationToken).ConfigureAwait(false);
            if (includeUsage)
                await SendAsync(response, new Dictionary<string, object?>(Chunk(update, model, null, null)) { ["choices"] = Array.Empty<object>(), ["usage"] = Usage(result) },
                    cancellationToken).ConfigureAwait(false);
        }
        await response.WriteAsync("data: [DONE]\n\n", cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The log-probabilities an update carries (none unless the request asked for them).</summary>
    private static IReadOnlyList<TokenLogprob> Logprobs(ChatResponseUpdate update) =>
        update.AdditionalProperties?.TryGetValue(PruneVidChatClient.LogprobsKey, out object? value) == true && value is IReadOnlyList<TokenLogprob> list ? list : [];

    /// <summary>OpenAI's <c>logprobs</c> field: <c>{"content": [{token, logprob, bytes, top_logprobs}]}</c>, or null when not asked for.</summary>
    private static object? LogprobsJson(PreparedChat prepared, IReadOnlyList<TokenLogprob> entries) =>
        prepared.TopLogprobs is null ? null : new
        {
            content = entries.Select(e => new
            {
                token = e.Token, logprob = e.Logprob, bytes = e.Bytes.Select(b => (int)b),
                top_logprobs = e.Top.Select(t => new { token = t.Token, logprob = t.Logprob, bytes = t.Bytes.Select(b => (int)b) }),
            }),
        };

    private static Dictionary<string, object?> Chunk(ChatResponseUpdate update, string model, object? delta, string? finishReason, object? logprobs = null) => new()
    {
        ["id"] = update.ResponseId,
        ["object"] = "chat.completion.chunk",
        ["created"] = Created(update),
        ["model"] = model,
        ["choices"] = delta is null ? Array.Empty<object>() : new[] { new { index = 0, delta, finish_reason = finishReason, logprobs } },
    };

    private static async Task SendAsync(HttpResponse response, object chunk, CancellationToken cancellationToken)
    {
        await response.WriteAsync("data: " + JsonSerializer.Serialize(chunk) + "\n\n", cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task WriteErrorAsync(HttpResponse response, OpenAiError error, ServeSettings settings)
    {
        try
        {
            if (response.HasStarted)
            {
                // Mid-stream: the status is already sent, so the error travels as an event, as OpenAI's servers do.
                await response.WriteAsync("data: " + JsonSerializer.Serialize(error.Body()) + "\n\n").ConfigureAwait(false);
                return;
            }
            if (error.Status == 429) response.Headers.RetryAfter = settings.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await error.WriteAsync(response).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
        {
            // The client has gone; nothing more to tell it.
        }
    }

    private static VideoQaResult Result(ChatResponseUpdate final) => (VideoQaResult)final.AdditionalProperties![PruneVidChatClient.ResultKey]!;

    private static void Record(ServerState state, VideoQaResult r, Stopwatch clock, TimeSpan? firstToken) =>
        state.Metrics.Completed(r.PromptIds.Count, r.Tokens.Count, r.Compression.VisualTokensBefore, r.Compression.VisualTokensKept, clock.Elapsed, firstToken);

    private static long Created(ChatResponseUpdate update) => (update.CreatedAt ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();

    private static string Finish(ChatResponseUpdate update) => update.FinishReason == ChatFinishReason.Length ? "length" : "stop";

    private static object Usage(VideoQaResult r) =>
        new { prompt_tokens = r.PromptIds.Count, completion_tokens = r.Tokens.Count, total_tokens = r.PromptIds.Count + r.Tokens.Count };

    /// <summary>The response's <c>prunevid</c> field: the strategy, compression statistics and timings.</summary>
    private static object Extension(VideoQaResult r, PreparedChat prepared)
    {
        return new { strategy = prepared.Strategy, compression = ResultJson.Compression(r.Compression), timings = ResultJson.Timings(r.Timings) };
    }
}
