// PruneVid.NET — benchmarks: a running `prunevid serve` driven over HTTP (TTFT of a cold and a follow-up question,
// aggregate decode rate at several concurrent streams, each on a server batching that many).
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PruneVid.Bench;

/// <summary>
/// <c>Bench serve --video clip.mp4 [--streams 1,2,4,8,16] [--max-tokens 32]</c> and either <c>--url URL [--model NAME]</c>
/// (a running <c>prunevid serve</c>) or <c>--serve-model tiny|3b|7b|DIR [--tokenizer DIR] [--device cpu]
/// [--serve-args "…"] [--cli prunevid.dll]</c> (the benchmark starts a fresh server on the loopback for each stream
/// count, with <c>--max-concurrency</c> equal to it; <c>3b</c>/<c>7b</c> write a synthetic checkpoint of that shape once,
/// see <see cref="SyntheticModelFolder"/>, and need a Qwen2.5-VL tokenizer folder). Streams chat completions about one
/// video (sent inline as a data: URL, which the server accepts without flags) and prints (1) the time to the first
/// token of the first question (cold: the server has not seen the video) and of a follow-up question about the same
/// video (the encoder and prefix caches hit), and (2) for each stream count the aggregate decode rate (and its ratio to
/// the one-stream rate of the same run, the anchor), TTFT p50/p95, and the mean decode batch the server reports. Each
/// stream's decode counts its tokens after the first, from the usage the server reports (stream_options.include_usage).
/// </summary>
internal static class ServeBenchmark
{
    public static int Run(string[] args)
    {
        string? video = BenchOptions.Text(args, "--video");
        if (video is null || !File.Exists(video))
        {
            Console.Error.WriteLine("Bench serve needs --video FILE (a clip the server can decode), and --url of a running `prunevid serve` or --serve-model tiny|3b|7b|DIR");
            return 2;
        }
        int maxTokens = BenchOptions.Int(args, "--max-tokens", 32);
        string? serveModel = BenchOptions.Text(args, "--serve-model");
        int[] streams = [.. (BenchOptions.Text(args, "--streams") ?? (serveModel is null ? "1,2,4,8" : "1,2,4,8,16")).Split(',')
            .Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
        string dataUrl = "data:video/mp4;base64," + Convert.ToBase64String(File.ReadAllBytes(video));
        using var http = new HttpClient { Timeout = TimeSpan.FromHours(1) };
        var table = new Table(http, dataUrl, maxTokens);

        if (serveModel is null)
        {
            string url = (BenchOptions.Text(args, "--url") ?? "http://127.0.0.1:8000").TrimEnd('/');
            string model = BenchOptions.Text(args, "--model") ?? FirstModel(http, url);
            Console.WriteLine($"server {url}, model {model}, video {Path.GetFileName(video)}, {maxTokens} tokens per answer, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
            table.ColdAndFollowUp(url, model);
            foreach (int n in streams) table.Row(url, model, n);
            return 0;
        }

        var (folder, tokenizer) = ModelFolder(serveModel, BenchOptions.Text(args, "--tokenizer"));
        string cli = BenchOptions.Text(args, "--cli") ?? ServeLauncher.FindCli();
        string[] extra = (BenchOptions.Text(args, "--serve-args") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string device = BenchOptions.Text(args, "--device") ?? "cpu";
        Console.WriteLine($"prunevid serve --model {serveModel} --device {device} {string.Join(' ', extra)}, a fresh server per row with " +
                          $"--max-concurrency = streams; video {Path.GetFileName(video)}, {maxTokens} tokens per answer, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        for (int row = 0; row < streams.Length; row++)
        {
            int n = streams[row];
            string[] serveArgs = ["--model", folder, "--device", device, "--max-concurrency", n.ToString(CultureInfo.InvariantCulture),
                "--max-queue", (2 * n).ToString(CultureInfo.InvariantCulture), .. tokenizer is null ? [] : new[] { "--tokenizer", tokenizer }, .. extra];
            using var server = ServeLauncher.Start(cli, serveArgs, TimeSpan.FromMinutes(30));
            string model = FirstModel(http, server.Url);
            if (row == 0) table.ColdAndFollowUp(server.Url, model);
            table.Row(server.Url, model, n);
        }
        return 0;
    }

    /// <summary>The model folder to serve: the demo's tiny model, a synthetic checkpoint of a published shape, or a folder.</summary>
    private static (string Folder, string? Tokenizer) ModelFolder(string serveModel, string? tokenizer)
    {
        string work = Path.Combine(Path.GetTempPath(), "prunevid-bench-serve");
        switch (serveModel)
        {
            case "tiny":
                string tiny = Path.Combine(work, "tiny");
                if (!File.Exists(Path.Combine(tiny, "model.safetensors")))
                {
                    if (Directory.Exists(tiny)) Directory.Delete(tiny, recursive: true);
                    PruneVid.Tools.Demo.TinyModelFolder.Create(tiny);
                }
                return (tiny, tokenizer);
            case "3b" or "7b":
                if (tokenizer is null || !File.Exists(Path.Combine(tokenizer, "tokenizer.json")))
                    throw new ArgumentException($"--serve-model {serveModel} needs --tokenizer DIR: a folder with Qwen2.5-VL's tokenizer.json (the synthetic checkpoint has none)");
                return (SyntheticModelFolder.Ensure(Path.Combine(work, serveModel), serveModel), tokenizer);
            default:
                if (!Directory.Exists(serveModel)) throw new ArgumentException($"--serve-model '{serveModel}' is neither tiny, 3b, 7b nor a model folder");
                return (serveModel, tokenizer);
        }
    }

    /// <summary>Prints the measurements as they come.</summary>
    private sealed class Table(HttpClient http, string dataUrl, int maxTokens)
    {
        private double? _single;
        private bool _header;

        public void ColdAndFollowUp(string url, string model)
        {
            var cold = Stream(http, url, model, dataUrl, "Describe what happens in this video.", maxTokens);
            var followUp = Stream(http, url, model, dataUrl, "What colours are shown?", maxTokens);
            Console.WriteLine($"TTFT cold {Ms(cold.FirstToken)}, follow-up {Ms(followUp.FirstToken)} ({100 * followUp.FirstToken.TotalSeconds / cold.FirstToken.TotalSeconds:F1}% of cold)");
        }

        public void Row(string url, string model, int n)
        {
            if (!_header)
            {
                Console.WriteLine($"{"streams",7} {"decode tok/s",13} {"vs 1 stream",12} {"TTFT p50",10} {"TTFT p95",10} {"mean batch",11}");
                _header = true;
            }
            var (steps0, rows0) = DecodeCounters(http, url);
            // Distinct questions about the same video: every request shares the cached encoding and prefix.
            var runs = Enumerable.Range(0, n).Select(i => Task.Run(() => Stream(http, url, model, dataUrl, $"Question {i}: what is in frame {i + 1}?", maxTokens))).ToArray();
            Task.WaitAll(runs);
            var results = runs.Select(r => r.Result).ToArray();
            var (steps1, rows1) = DecodeCounters(http, url);
            // Aggregate decode rate: every stream's tokens after its first, over the span from the earliest first token to the last end.
            TimeSpan start = results.Min(r => r.FirstToken), end = results.Max(r => r.Total);
            double rate = results.Sum(r => Math.Max(0, r.Tokens - 1)) / Math.Max(1e-9, (end - start).TotalSeconds);
            _single ??= rate;
            var ttft = results.Select(r => r.FirstToken.TotalMilliseconds).Order().ToArray();
            string batch = steps1 > steps0 ? ((double)(rows1 - rows0) / (steps1 - steps0)).ToString("F2", CultureInfo.InvariantCulture) : "-";
            Console.WriteLine($"{n,7} {rate,13:F2} {rate / _single.Value,11:F2}x {Percentile(ttft, 0.5),8:F0} ms {Percentile(ttft, 0.95),8:F0} ms {batch,11}");
        }
    }

    /// <summary>The server's decode steps and the sequences they fed (zero when it decodes one request at a time).</summary>
    private static (long Steps, long Rows) DecodeCounters(HttpClient http, string url)
    {
        string text = http.GetStringAsync(url + "/metrics").Result;
        long Value(string name) => text.Split('\n').FirstOrDefault(l => l.StartsWith(name + " ", StringComparison.Ordinal)) is { } line
            ? long.Parse(line[(name.Length + 1)..], CultureInfo.InvariantCulture) : 0;
        return (Value("prunevid_decode_steps_total"), Value("prunevid_decode_sequences_total"));
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
