// PruneVid.NET — serving tests: requests as plain JSON over HttpClient.
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PruneVid.Serving.Tests;

/// <summary>Builds chat requests and reads responses and the error shape.</summary>
internal static class Api
{
    public static JsonObject VideoRequest(string videoUrl, string question = "What is happening in this video?", int maxTokens = 6, JsonObject? extension = null)
    {
        var body = new JsonObject
        {
            ["model"] = "tiny",
            ["messages"] = new JsonArray(new JsonObject
            {
                ["role"] = "user",
                ["content"] = new JsonArray(
                    new JsonObject { ["type"] = "video_url", ["video_url"] = new JsonObject { ["url"] = videoUrl } },
                    new JsonObject { ["type"] = "text", ["text"] = question }),
            }),
            ["max_tokens"] = maxTokens,
            ["temperature"] = 0,
        };
        if (extension is not null) body["prunevid"] = extension;
        return body;
    }

    public static string FileUrl(string path) => new Uri(path).AbsoluteUri;

    public static string DataUrl(string path) => "data:video/mp4;base64," + Convert.ToBase64String(File.ReadAllBytes(path));

    public static Task<HttpResponseMessage> PostAsync(HttpClient http, JsonNode body, CancellationToken cancellationToken = default) =>
        PostRawAsync(http, body.ToJsonString(), cancellationToken);

    public static Task<HttpResponseMessage> PostRawAsync(HttpClient http, string body, CancellationToken cancellationToken = default) =>
        http.PostAsync("v1/chat/completions", new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")), cancellationToken);

    public static async Task<JsonObject> JsonAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

    /// <summary>The answer text of a non-streaming response (asserting 200).</summary>
    public static async Task<string> AnswerAsync(HttpClient http, JsonNode body)
    {
        using var response = await PostAsync(http, body);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!["choices"]![0]!["message"]!["content"]!.GetValue<string>();
    }

    /// <summary>Asserts OpenAI's error shape: {"error": {"message", "type", "param", "code"}} with a readable message.</summary>
    public static JsonObject AssertError(string body, int status, int expectedStatus)
    {
        Assert.True(status == expectedStatus, $"expected {expectedStatus}, got {status}: {body}");
        var error = JsonNode.Parse(body)!["error"]!.AsObject();
        string message = error["message"]!.GetValue<string>();
        Assert.False(string.IsNullOrWhiteSpace(message));
        Assert.False(string.IsNullOrWhiteSpace(error["type"]!.GetValue<string>()));
        Assert.True(error.ContainsKey("param") && error.ContainsKey("code"), body);
        Assert.DoesNotContain("   at ", message);           // no stack trace
        Assert.DoesNotContain("Exception", message);
        Assert.DoesNotContain("(Parameter", message);
        return error;
    }

    /// <summary>One value from the Prometheus text of /metrics.</summary>
    public static async Task<double> MetricAsync(HttpClient http, string name)
    {
        string text = await http.GetStringAsync("metrics");
        string? line = text.Split('\n').FirstOrDefault(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        Assert.True(line is not null, $"metric {name} missing in:\n{text}");
        return double.Parse(line![(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Reads server-sent events; returns the data payloads (the final "[DONE]" included).</summary>
    public static async IAsyncEnumerable<string> EventsAsync(HttpResponseMessage response,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
            if (line.StartsWith("data: ", StringComparison.Ordinal)) yield return line["data: ".Length..];
    }

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);
}
