// PruneVid.NET — benchmarks: a running `prunevid serve` driven over HTTP (TTFT of a cold and a follow-up question,
// aggregate decode rate at several concurrent streams).
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PruneVid.Bench;

/// <summary>
/// <c>Bench serve --url http://127.0.0.1:8000 --video clip.mp4 [--streams 1,2,4,8] [--max-tokens 32] [--model NAME]</c>:
/// streams chat completions about one video (sent inline as a data: URL, which the server accepts without flags) and
/// prints (1) the time to the first token of the first question (cold: the server has not seen the video; start the
/// server fresh for this number) and of a follow-up question about the same video (the encoder and prefix caches
/// hit), and (2) the aggregate decode rate and TTFT p50/p95 with 1, 2, 4, … requests in flight at once. Each stream's
/// decode rate counts its tokens after the first over the time after its first token, from the usage the server
/// reports (stream_options.include_usage).
/// </summary>
internal static class ServeBenchmark
{
    public static int Run(string[] args)
    {
        string url = (BenchOptions.Text(args, "--url") ?? "http://127.0.0.1:8000").TrimEnd('/');
        string? video = BenchOptions.Text(args, "--video");
        if (video is null || !File.Exists(video))
        {
            Console.Error.WriteLine("Bench serve needs --video FILE (a clip the server can decode) and a running `prunevid serve` at --url");
            return 2;
        }
        int maxTokens = BenchOptions.Int(args, "--max-tokens", 32);
        int[] streams = [.. (BenchOptions.Text(args, "--streams") ?? "1,2,4,8").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
        string dataUrl = "data:video/mp4;base64," + Convert.ToBase64String(File.ReadAllBytes(video));
        using var http = new HttpClient { Timeout = TimeSpan.FromHours(1) };
        string model = BenchOptions.Text(args, "--model") ?? FirstModel(http, url);

        Console.WriteLine($"server {url}, model {model}, video {Path.GetFileName(video)}, {maxTokens} tokens per answer, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        var cold = Stream(http, url, model, dataUrl, "Describe what happens in this video.", maxTokens);
        var followUp = Stream(http, url, model, dataUrl, "What colours are shown?", maxTokens);
        Console.WriteLine($"TTFT cold {Ms(cold.FirstToken)}, follow-up {Ms(followUp.FirstToken)} ({100 * followUp.FirstToken.TotalSeconds / cold.FirstToken.TotalSeconds:F1}% of cold)");

        Console.WriteLine($"{"streams",7} {"decode tok/s",13} {"vs 1 stream",12} {"TTFT p50",10} {"TTFT p95",10}");
        double? single = null;
        foreach (int n in streams)
        {
            // Distinct questions about the same video: every request shares the cached encoding and prefix.
            var runs = Enumerable.Range(0, n).Select(i => Task.Run(() => Stream(http, url, model, dataUrl, $"Question {i}: what is in frame {i + 1}?", maxTokens))).ToArray();
            Task.WaitAll(runs);
            var results = runs.Select(r => r.Result).ToArray();
            // Aggregate decode rate: every stream's tokens after its first, over the span from the earliest first token to the last end.
            TimeSpan start = results.Min(r => r.FirstToken), end = results.Max(r => r.Total);
            double rate = results.Sum(r => Math.Max(0, r.Tokens - 1)) / Math.Max(1e-9, (end - start).TotalSeconds);
            single ??= rate;
            var ttft = results.Select(r => r.FirstToken.TotalMilliseconds).Order().ToArray();
            Console.WriteLine($"{n,7} {rate,13:F2} {rate / single.Value,11:F2}x {Percentile(ttft, 0.5),8:F0} ms {Percentile(ttft, 0.95),8:F0} ms");
        }
        return 0;
    }

    private sealed record StreamTiming(TimeSpan FirstToken, TimeSpan Total, int Tokens);

    private static StreamTiming Stream(HttpClient http, string url, string model, string dataUrl, string question, int maxTokens)
    {
        var body = new JsonObject
        {
            ["model"] = model,
            ["stream"] = true,
            ["stream_options"] = new JsonObject { ["include_usage"] = true },
            ["max_tokens"] = maxTokens,
            ["temperature"] = 0,
            ["messages"] = new JsonArray(new JsonObject
            {
                ["role"] = "user",
                ["content"] = new JsonArray(
                    new JsonObject { ["type"] = "video_url", ["video_url"] = new JsonObject { ["url"] = dataUrl } },
                    new JsonObject { ["type"] = "text", ["text"] = question }),
            }),
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, url + "/v1/chat/completions")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        var clock = Stopwatch.StartNew();
        using var response = http.Send(request, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"the server answered {(int)response.StatusCode}: {response.Content.ReadAsStringAsync().Result}");
        using var reader = new StreamReader(response.Content.ReadAsStream());
        TimeSpan? first = null;
        int tokens = 0;
        while (reader.ReadLine() is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal) || line == "data: [DONE]") continue;
            var chunk = JsonNode.Parse(line["data: ".Length..])!;
            if (chunk["choices"] is JsonArray { Count: > 0 } choices && choices[0]?["delta"]?["content"] is JsonValue { } content
                && content.GetValue<string>().Length > 0)
                first ??= clock.Elapsed;
            if (chunk["usage"]?["completion_tokens"] is JsonValue used) tokens = used.GetValue<int>();
        }
        return new StreamTiming(first ?? clock.Elapsed, clock.Elapsed, tokens);
    }

    private static string FirstModel(HttpClient http, string url)
    {
        using var models = JsonDocument.Parse(http.GetStringAsync(url + "/v1/models").Result);
        return models.RootElement.GetProperty("data")[0].GetProperty("id").GetString()!;
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static string Ms(TimeSpan t) => $"{t.TotalMilliseconds:F0} ms";
}
