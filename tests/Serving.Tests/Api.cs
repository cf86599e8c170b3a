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

    /// <summary>
    /// Posts a body over a raw socket, sending only its first 4 KiB: the server answers 413 from the Content-Length
    /// alone, and an HttpClient still writing the rest would fail with a broken pipe instead of reading the answer.
    /// </summary>
    public static async Task<(int Status, string Payload)> PostRawOverTcpAsync(Uri server, byte[] body)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port);
        using var stream = tcp.GetStream();
        string head = $"POST /v1/chat/completions HTTP/1.1\r\nHost: {server.Authority}\r\nContent-Type: application/json\r\n" +
            $"Content-Length: {body.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(body.AsMemory(0, Math.Min(4096, body.Length))); // a first piece only
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var received = new MemoryStream();
        var buffer = new byte[8192];
        int read;
        while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0) received.Write(buffer, 0, read);
        string response = Encoding.UTF8.GetString(received.ToArray());
        int split = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(split > 0, $"no HTTP response: {response}");
        string[] headers = response[..split].Split("\r\n");
        int status = int.Parse(headers[0].Split(' ')[1]);
        string payload = response[(split + 4)..];
        if (headers.Any(h => h.Equals("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))) payload = Dechunk(payload);
        return (status, payload);
    }

    private static string Dechunk(string chunked)
    {
        var text = new System.Text.StringBuilder();
        for (int at = 0; ;)
        {
            int eol = chunked.IndexOf("\r\n", at, StringComparison.Ordinal);
            int size = Convert.ToInt32(chunked[at..eol].Split(';')[0], 16);
            if (size == 0) return text.ToString();
            text.Append(chunked, eol + 2, size);
            at = eol + 2 + size + 2;
        }
    }

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);
}
