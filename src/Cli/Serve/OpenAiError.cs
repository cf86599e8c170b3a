// PruneVid.NET — serve: errors in the OpenAI shape.
using PruneVid.Runtime.Errors;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using PruneVid.Runtime.Chat;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Config;
using PruneVid.Runtime.Media;
using PruneVid.Strategies;

namespace PruneVid.Cli.Serve;

/// <summary>A request the server refuses, with its HTTP status and OpenAI's error fields.</summary>
internal sealed class OpenAiError(int status, string message, string? param = null, string? code = null, string type = "invalid_request_error")
    : Exception(message)
{
    public int Status { get; } = status;
    public string? Param { get; } = param;
    public string? Code { get; } = code;
    public string Type { get; } = type;

    public static OpenAiError BadRequest(string message, string? param = null, string? code = null) => new(400, message, param, code);

    /// <summary>
    /// The error a client sees for any exception: refusals keep their status; known input faults become 400 with their
    /// message; anything else is a 500 with a generic sentence (the details go to the server's log, never to the client).
    /// </summary>
    public static OpenAiError From(Exception e) => e switch
    {
        OpenAiError known => known,
        ChatRequestException request => new(400, UserMessage(request), request.Param, "invalid_request"),
        TokenReducerConfigurationException strategy => new(400, UserMessage(strategy), "prunevid.strategy", "invalid_strategy"),
        MediaException or FileNotFoundException => new(400, WithoutPaths(UserMessage(e)), "messages", "invalid_media"),
        BadHttpRequestException { StatusCode: 413 } => new(413, $"the request body is larger than the server accepts.", null, "request_too_large"),
        BadHttpRequestException bad => new(bad.StatusCode, UserMessage(bad), null, "bad_request"),
        JsonException => new(400, "the body is not valid JSON.", null, "invalid_json"),
        _ => new(500, "the server could not answer this request; see the server log.", null, "internal_error", "server_error"),
    };

    /// <summary>
    /// A client sees the runtime's user message (<see cref="UserMessages.Describe"/>, the same text the CLI and the
    /// evaluation print) for the failures that are the request's fault; anything else stays in the server log.
    /// </summary>
    private static string UserMessage(Exception e) => e switch
    {
        ChatRequestException or TokenReducerConfigurationException or MediaException or FileNotFoundException or ConfigException
            or SafeTensorsFormatException or BadHttpRequestException => Sentence(UserMessages.Describe(e)),
        _ => "the server could not answer this request.",
    };

    /// <summary><paramref name="text"/> with every absolute path in it replaced by "the file" (a client never sees a server path).</summary>
    public static string WithoutPaths(string text) =>
        System.Text.RegularExpressions.Regex.Replace(text, @"'?(?<![\w.])/[^\s'""]+'?|'?[A-Za-z]:\\[^\s'""]+'?", "the file");

    private static string Sentence(string text)
    {
        text = text.Trim();
        if (text.Length == 0) return "the request was refused.";
        return text.EndsWith('.') ? text : text + ".";
    }

    /// <summary>Writes <c>{"error": {"message", "type", "param", "code"}}</c> with the status.</summary>
    public async Task WriteAsync(HttpResponse response)
    {
        response.StatusCode = Status;
        response.ContentType = "application/json";
        await response.WriteAsync(JsonSerializer.Serialize(Body())).ConfigureAwait(false);
    }

    public object Body() => new { error = new { message = Message, type = Type, param = Param, code = Code } };
}
