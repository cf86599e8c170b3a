// PruneVid.NET — serve: the body of POST /v1/chat/completions, checked field by field.
using System.Text.Json;
using Microsoft.Extensions.AI;
using PruneVid.Runtime.Chat;
using PruneVid.Strategies;

namespace PruneVid.Cli.Serve;

/// <summary>A media part of a message as the client sent it (its URL is resolved to a file later).</summary>
internal sealed record MediaPart(string Url, bool IsVideo, string Param);

/// <summary>One message: its role and its parts in order (text, or a media part).</summary>
internal sealed record RequestMessage(ChatRole Role, IReadOnlyList<object> Parts);

/// <summary>
/// The OpenAI chat request (vLLM's video_url parts included), read from JSON with every known field's type checked.
/// Unknown fields are ignored, as OpenAI's clients send some this server has no use for; known ones it cannot honour
/// (tools, a JSON response format, n &gt; 1) are refused with a 400 naming the field.
/// </summary>
internal sealed record ChatCompletionRequest(IReadOnlyList<RequestMessage> Messages, ChatOptions Options, bool Stream, bool IncludeUsage)
{
    public static ChatCompletionRequest Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object) throw OpenAiError.BadRequest("the body must be a JSON object.", null, "invalid_json");
        var options = new ChatOptions { AdditionalProperties = [] };
        if (Optional(root, "model", JsonValueKind.String) is { } model) options.ModelId = model.GetString();
        if (Optional(root, "max_completion_tokens", JsonValueKind.Number) is { } mct) options.MaxOutputTokens = Int(mct, "max_completion_tokens");
        else if (Optional(root, "max_tokens", JsonValueKind.Number) is { } mt) options.MaxOutputTokens = Int(mt, "max_tokens");
        if (Optional(root, "temperature", JsonValueKind.Number) is { } t) options.Temperature = (float)t.GetDouble();
        if (Optional(root, "top_p", JsonValueKind.Number) is { } p) options.TopP = (float)p.GetDouble();
        if (Optional(root, "top_k", JsonValueKind.Number) is { } k) options.TopK = Int(k, "top_k");
        if (Optional(root, "seed", JsonValueKind.Number) is { } seed)
            options.Seed = seed.TryGetInt64(out long s) ? s : throw OpenAiError.BadRequest("seed must be an integer.", "seed");
        if (Optional(root, "n", JsonValueKind.Number) is { } n && (!n.TryGetInt32(out int count) || count != 1))
            throw OpenAiError.BadRequest("n must be 1: the server returns one choice per request.", "n");
        RefuseUnsupported(root);
        if (TopLogprobs(root) is int topLogprobs) options.AdditionalProperties[PruneVidChatClient.TopLogprobsKey] = topLogprobs;
        options.StopSequences = Stops(root);
        bool stream = Optional(root, "stream", JsonValueKind.True, JsonValueKind.False)?.GetBoolean() ?? false;
        bool includeUsage = false;
        if (Optional(root, "stream_options", JsonValueKind.Object) is { } so)
            includeUsage = Optional(so, "include_usage", JsonValueKind.True, JsonValueKind.False, "stream_options.include_usage")?.GetBoolean() ?? false;
        if (Optional(root, "prunevid", JsonValueKind.Object) is { } ext) ReadExtension(ext, options);
        var messages = ReadMessages(root);
        CheckMedia(messages);
        return new ChatCompletionRequest(messages, options, stream, includeUsage);
    }

    /// <summary>
    /// Fields that would change what a client gets back and that this server cannot honour: refused with a 400 naming
    /// the field rather than silently ignored.
    /// </summary>
    private static void RefuseUnsupported(JsonElement root)
    {
        if (root.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array && tools.GetArrayLength() > 0)
            throw OpenAiError.BadRequest("tools are not supported: this server does not call functions.", "tools", "unsupported_field");
        if (root.TryGetProperty("functions", out var functions) && functions.ValueKind == JsonValueKind.Array && functions.GetArrayLength() > 0)
            throw OpenAiError.BadRequest("functions are not supported: this server does not call functions.", "functions", "unsupported_field");
        if (Optional(root, "tool_choice", JsonValueKind.String, JsonValueKind.Object) is { } choice
            && !(choice.ValueKind == JsonValueKind.String && choice.GetString() is "none" or "auto"))
            throw OpenAiError.BadRequest("tool_choice is not supported: this server does not call functions.", "tool_choice", "unsupported_field");
        if (Optional(root, "response_format", JsonValueKind.Object) is { } format
            && Optional(format, "type", JsonValueKind.String, "response_format.type")?.GetString() is { } type && type != "text")
            throw OpenAiError.BadRequest($"response_format '{type}' is not supported; only text answers are generated.", "response_format", "unsupported_field");
    }

    /// <summary><c>logprobs: true</c> with an optional <c>top_logprobs</c> (0–20) asks for log-probabilities; null when not asked.</summary>
    private static int? TopLogprobs(JsonElement root)
    {
        bool wanted = Optional(root, "logprobs", JsonValueKind.True, JsonValueKind.False)?.GetBoolean() ?? false;
        int? top = Optional(root, "top_logprobs", JsonValueKind.Number) is { } t ? Int(t, "top_logprobs") : null;
        if (top is not null && !wanted) throw OpenAiError.BadRequest("top_logprobs needs logprobs: true.", "top_logprobs");
        return wanted ? top ?? 0 : null; // the range is the chat client's to check
    }

    /// <summary>Refuses media outside user messages, and more media than one request may hold, before any of it is read, fetched or probed.</summary>
    private static void CheckMedia(List<RequestMessage> messages)
    {
        for (int m = 0; m < messages.Count; m++)
            if (messages[m].Role != ChatRole.User && messages[m].Parts.Any(p => p is MediaPart))
                throw OpenAiError.BadRequest($"messages[{m}] is a {messages[m].Role.Value} message with a video or image; media belong in user messages.", $"messages[{m}]");
        var media = messages.SelectMany(m => m.Parts.OfType<MediaPart>()).ToList();
        if (media.Count(m => m.IsVideo) > PruneVidChatClient.MaxVideosPerRequest)
            throw OpenAiError.BadRequest($"the conversation holds {media.Count(m => m.IsVideo)} videos; send at most {PruneVidChatClient.MaxVideosPerRequest} per request.", "messages", "too_many_media");
        if (media.Count(m => !m.IsVideo) > PruneVidChatClient.MaxImagesPerRequest)
            throw OpenAiError.BadRequest($"the conversation holds {media.Count(m => !m.IsVideo)} images; send at most {PruneVidChatClient.MaxImagesPerRequest} per request.", "messages", "too_many_media");
    }

    /// <summary><c>"prunevid": {"strategy": "name[:preset]…", "params": {"tau": 0.85}, "retention": 0.25}</c> (retention: a token budget).</summary>
    private static void ReadExtension(JsonElement ext, ChatOptions options)
    {
        if (Optional(ext, "strategy", JsonValueKind.String, "prunevid.strategy") is { } strategy)
            options.AdditionalProperties![PruneVidChatClient.StrategyKey] = strategy.GetString();
        if (Optional(ext, "params", JsonValueKind.Object, "prunevid.params") is { } parameters)
        {
            var map = new Dictionary<string, object?>();
            foreach (var property in parameters.EnumerateObject())
                map[property.Name] = property.Value.ValueKind switch
                {
                    JsonValueKind.Number => property.Value.GetRawText(),
                    JsonValueKind.String => property.Value.GetString(),
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    _ => throw OpenAiError.BadRequest($"strategy parameter '{property.Name}' must be a number, a boolean or a string.", "prunevid.params"),
                };
            options.AdditionalProperties![PruneVidChatClient.ParametersKey] = map;
        }
        if (Optional(ext, "retention", JsonValueKind.Number, "prunevid.retention") is { } retention)
        {
            var map = options.AdditionalProperties!.TryGetValue(PruneVidChatClient.ParametersKey, out object? existing) && existing is Dictionary<string, object?> m
                ? m : [];
            map[StrategySpec.RetentionParameter] = retention.GetRawText(); // the chain's budget, checked with the strategy
            options.AdditionalProperties![PruneVidChatClient.ParametersKey] = map;
        }
    }

    private static List<string>? Stops(JsonElement root)
    {
        if (!root.TryGetProperty("stop", out var stop) || stop.ValueKind == JsonValueKind.Null) return null;
        if (stop.ValueKind == JsonValueKind.String) return [stop.GetString()!];
        if (stop.ValueKind == JsonValueKind.Array && stop.EnumerateArray().All(s => s.ValueKind == JsonValueKind.String))
            return [.. stop.EnumerateArray().Select(s => s.GetString()!)];
        throw OpenAiError.BadRequest("stop must be a string or an array of strings.", "stop");
    }

    private static List<RequestMessage> ReadMessages(JsonElement root)
    {
        if (!root.TryGetProperty("messages", out var messages)) throw OpenAiError.BadRequest("messages is required.", "messages");
        if (messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
            throw OpenAiError.BadRequest("messages must be a non-empty array.", "messages");
        var result = new List<RequestMessage>();
        int index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            string at = $"messages[{index++}]";
            if (message.ValueKind != JsonValueKind.Object) throw OpenAiError.BadRequest($"{at} must be an object.", at);
            string role = Optional(message, "role", JsonValueKind.String, $"{at}.role")?.GetString()
                ?? throw OpenAiError.BadRequest($"{at}.role is required.", $"{at}.role");
            var chatRole = role switch
            {
                "user" => ChatRole.User,
                "system" or "developer" => ChatRole.System,
                "assistant" => ChatRole.Assistant,
                "tool" or "function" => throw OpenAiError.BadRequest($"{at}.role '{role}' is not supported: this server does not call functions.", $"{at}.role", "unsupported_field"),
                _ => throw OpenAiError.BadRequest($"{at}.role '{role}' is not one of user, system, assistant.", $"{at}.role"),
            };
            result.Add(new RequestMessage(chatRole, Parts(message, at)));
        }
        return result;
    }

    private static List<object> Parts(JsonElement message, string at)
    {
        if (!message.TryGetProperty("content", out var content)) throw OpenAiError.BadRequest($"{at}.content is required.", $"{at}.content");
        if (content.ValueKind == JsonValueKind.String) return [content.GetString()!];
        if (content.ValueKind != JsonValueKind.Array)
            throw OpenAiError.BadRequest($"{at}.content must be a string or an array of parts.", $"{at}.content");
        var parts = new List<object>();
        int index = 0;
        foreach (var part in content.EnumerateArray())
        {
            string here = $"{at}.content[{index++}]";
            if (part.ValueKind != JsonValueKind.Object) throw OpenAiError.BadRequest($"{here} must be an object.", here);
            string type = Optional(part, "type", JsonValueKind.String, $"{here}.type")?.GetString()
                ?? throw OpenAiError.BadRequest($"{here}.type is required.", $"{here}.type");
            parts.Add(type switch
            {
                "text" => Optional(part, "text", JsonValueKind.String, $"{here}.text")?.GetString()
                          ?? throw OpenAiError.BadRequest($"{here}.text is required.", $"{here}.text"),
                "video_url" => new MediaPart(Url(part, "video_url", here), true, $"{here}.video_url"),
                "image_url" => ImagePart(Url(part, "image_url", here), $"{here}.image_url"),
                _ => throw OpenAiError.BadRequest($"{here}.type '{type}' is not supported; use text, video_url or image_url.", $"{here}.type"),
            });
        }
        return parts;
    }

    /// <summary>
    /// An image_url part; a <c>data:video/…</c> URL in it is a video, so clients without a video part type (the
    /// official OpenAI SDKs) can send videos.
    /// </summary>
    private static MediaPart ImagePart(string url, string param) =>
        new(url, url.StartsWith("data:video/", StringComparison.OrdinalIgnoreCase), param);

    /// <summary><c>{"url": "…"}</c> (OpenAI, vLLM) or a bare string.</summary>
    private static string Url(JsonElement part, string name, string at)
    {
        if (!part.TryGetProperty(name, out var value)) throw OpenAiError.BadRequest($"{at}.{name} is required.", $"{at}.{name}");
        if (value.ValueKind == JsonValueKind.String) return value.GetString()!;
        if (value.ValueKind == JsonValueKind.Object && Optional(value, "url", JsonValueKind.String, $"{at}.{name}.url") is { } url)
            return url.GetString()!;
        throw OpenAiError.BadRequest($"{at}.{name} must be an object with a string url.", $"{at}.{name}");
    }

    private static int Int(JsonElement value, string name) =>
        value.TryGetInt32(out int v) ? v : throw OpenAiError.BadRequest($"{name} must be an integer.", name);

    /// <summary>The field when present and not null; a 400 naming it when it has another JSON type.</summary>
    private static JsonElement? Optional(JsonElement obj, string name, JsonValueKind kind, string? param = null) =>
        Optional(obj, name, kind, kind, param);

    private static JsonElement? Optional(JsonElement obj, string name, JsonValueKind kind, JsonValueKind alternative, string? param = null)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != kind && value.ValueKind != alternative)
            throw OpenAiError.BadRequest($"{param ?? name} must be {KindName(kind)}, not {KindName(value.ValueKind)}.", param ?? name);
        return value;
    }

    private static string KindName(JsonValueKind kind) => kind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => "null",
    };
}
