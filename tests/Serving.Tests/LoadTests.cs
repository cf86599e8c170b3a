// PruneVid.NET — serving tests: many clients at once, a full queue, clients that go away, shutdown.
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace PruneVid.Serving.Tests;

/// <summary>Loopback load, bounded in count and time: answers under load equal the one-at-a-time answers.</summary>
[Collection("serve")]
public sealed class LoadTests(ServingFixture fixture, ITestOutputHelper output)
{
    private static readonly string[] s_questions = ["What is happening?", "Describe the colours.", "Is anything moving?", "How many shapes are there?", "What is in the corner?"];

    private HttpClient Http(Uri address) => new() { BaseAddress = address, Timeout = TimeSpan.FromSeconds(300) };

    private JsonObject Request(int i, int maxTokens = 6) => Api.VideoRequest(Api.FileUrl(fixture.Clip), s_questions[i % s_questions.Length], maxTokens);

    [Fact]
    public async Task FiftyConcurrentRequestsAllGetTheOneAtATimeAnswers()
    {
        using var http = Http(fixture.Server.Address);
        var expected = new string[s_questions.Length];
        var alone = Stopwatch.StartNew();
        for (int q = 0; q < s_questions.Length; q++) expected[q] = await Api.AnswerAsync(http, Request(q));
        double oneAtATime = alone.Elapsed.TotalSeconds / s_questions.Length;   // the anchor: one request, nothing else queued

        var wall = Stopwatch.StartNew();
        var latencies = new double[50];
        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(async i =>
        {
            var clock = Stopwatch.StartNew();
            string answer = await Api.AnswerAsync(http, Request(i));
            latencies[i] = clock.Elapsed.TotalSeconds;
            return answer;
        }));
        wall.Stop();
        for (int i = 0; i < 50; i++) Assert.Equal(expected[i % s_questions.Length], answers[i]);
        Array.Sort(latencies);
        double throughput = 50 / wall.Elapsed.TotalSeconds;
        output.WriteLine($"50 concurrent requests, --max-concurrency 1: p50 {latencies[24]:F2} s, p95 {latencies[47]:F2} s, " +
                         $"throughput {throughput:F2} req/s, wall {wall.Elapsed.TotalSeconds:F1} s; one at a time {oneAtATime:F2} s per request " +
                         $"({1 / oneAtATime:F2} req/s), so concurrent/sequential throughput = {throughput * oneAtATime:F2}");
        Assert.Equal(0, await Api.MetricAsync(http, "prunevid_queue_depth"));
    }

    /// <summary>
    /// <c>--max-concurrency 8</c>: eight clients at once, with different questions, token budgets and a stop string,
    /// half of them streaming, get exactly the answers the one-at-a-time server gives; the decode steps fed several
    /// sequences at once (the server's decode counters), and nothing is left queued.
    /// </summary>
    [Fact]
    public async Task EightConcurrentClientsDecodedTogetherGetTheOneAtATimeAnswers()
    {
        JsonObject[] requests = [.. Enumerable.Range(0, 8).Select(i => Request(i, maxTokens: 12 + 4 * (i % 3)))];
        using var sequential = Http(fixture.Server.Address);
        string free = await Api.AnswerAsync(sequential, requests[3]);
        Assert.True(free.Length > 6, $"the answer '{free}' is long enough to hold a stop string");
        requests[3]["stop"] = new JsonArray(free.Substring(4, 2)); // ends request 3 early, wherever its tokens split
        var expected = new string[requests.Length];
        for (int i = 0; i < requests.Length; i++) expected[i] = await Api.AnswerAsync(sequential, requests[i]);
        Assert.True(expected[3].Length < free.Length, "the stop string cut the answer");

        await using var server = await ServerProcess.StartAsync(fixture.Model, [.. fixture.ServerOptions, "--max-concurrency", "8"]);
        using var http = Http(server.Address);
        string[] answers = await Task.WhenAll(requests.Select((r, i) => i % 2 == 0 ? Api.AnswerAsync(http, r) : StreamedAnswerAsync(http, r)));

        Assert.Equal(expected, answers);
        Assert.Equal(0, await Api.MetricAsync(http, "prunevid_queue_depth"));
        double steps = await Api.MetricAsync(http, "prunevid_decode_steps_total"), sequences = await Api.MetricAsync(http, "prunevid_decode_sequences_total");
        output.WriteLine($"8 clients, --max-concurrency 8: {sequences} sequences fed in {steps} decode steps (mean batch {sequences / steps:F2})");
        Assert.True(sequences > steps, "some decode steps fed several sequences");
    }

    /// <summary>The answer of a streamed request: its content deltas joined.</summary>
    private static async Task<string> StreamedAnswerAsync(HttpClient http, JsonObject body)
    {
        var streamed = body.DeepClone().AsObject();
        streamed["stream"] = true;
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = new StringContent(streamed.ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = new System.Text.StringBuilder();
        await foreach (string data in Api.EventsAsync(response))
        {
            if (data == "[DONE]") break;
            if (JsonNode.Parse(data)!["choices"]!.AsArray().FirstOrDefault()?["delta"]?["content"]?.GetValue<string>() is { } piece) text.Append(piece);
        }
        return text.ToString();
    }

    [Fact]
    public async Task AFullQueueAnswers429AtOnceAndNothingHangs()
    {
        await using var server = await ServerProcess.StartAsync(fixture.Model, ["--max-queue", "4", "--allowed-local-media-path", fixture.Folder, .. ServingFixture.SmallFrames]);
        using var http = Http(server.Address);
        string expected = await Api.AnswerAsync(http, Request(0, maxTokens: 24));
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            var clock = Stopwatch.StartNew();
            using var response = await Api.PostAsync(http, Request(0, maxTokens: 24), deadline.Token);
            string body = await response.Content.ReadAsStringAsync(deadline.Token);
            return (response.StatusCode, Body: body, Seconds: clock.Elapsed.TotalSeconds, RetryAfter: response.Headers.RetryAfter);
        }));
        var refused = results.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        var answered = results.Where(r => r.StatusCode == HttpStatusCode.OK).ToList();
        Assert.Equal(16, refused.Count + answered.Count);
        Assert.InRange(answered.Count, 5, 15);   // one running + four waiting at least; the rest refused
        Assert.NotEmpty(refused);
        foreach (var r in refused)
        {
            Api.AssertError(r.Body, 429, 429);
            Assert.NotNull(r.RetryAfter);
        }
        foreach (var r in answered) Assert.Equal(expected, JsonNode.Parse(r.Body)!["choices"]![0]!["message"]!["content"]!.GetValue<string>());
        double slowestRefusal = refused.Max(r => r.Seconds), fastestAnswer = answered.Min(r => r.Seconds);
        output.WriteLine($"--max-queue 4, 16 at once: {answered.Count} answered, {refused.Count} refused; slowest 429 {slowestRefusal:F2} s, fastest answer {fastestAnswer:F2} s");
        Assert.True(slowestRefusal < fastestAnswer, "refusals come before any answer: they do not wait for the model or the media");
    }

    [Fact]
    public async Task ClientsThatDisconnectMidStreamLeaveNoGenerationRunning()
    {
        using var http = Http(fixture.Server.Address);
        double cancelledBefore = await Api.MetricAsync(http, "prunevid_cancelled_total");
        await Task.WhenAll(Enumerable.Range(0, 10).Select(async i =>
        {
            var body = Request(i, maxTokens: 8192);
            body["stream"] = true;
            using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json") };
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            int events = 0;
            await foreach (string data in Api.EventsAsync(response))
                if (++events == 3) break;   // role chunk, two pieces of text: then hang up
        }));

        // A handler releases its generation and its queue place before it counts the cancellation, so a scrape
        // between the two sees the model idle and the count one short: wait for all three.
        var clock = Stopwatch.StartNew();
        while ((await Api.MetricAsync(http, "prunevid_running_generations") > 0 || await Api.MetricAsync(http, "prunevid_queue_depth") > 0
                || await Api.MetricAsync(http, "prunevid_cancelled_total") < cancelledBefore + 10)
               && clock.Elapsed < TimeSpan.FromSeconds(60))
            await Task.Delay(100);
        Assert.Equal(0, await Api.MetricAsync(http, "prunevid_running_generations"));
        Assert.Equal(0, await Api.MetricAsync(http, "prunevid_queue_depth"));
        Assert.Equal(cancelledBefore + 10, await Api.MetricAsync(http, "prunevid_cancelled_total"));
        output.WriteLine($"10 disconnects: the model was idle {clock.Elapsed.TotalSeconds:F2} s after the last client left");
        Assert.NotEmpty(await Api.AnswerAsync(http, Request(0)));   // still answering
    }

    [Fact]
    public async Task SigtermLetsARunningStreamFinishBeforeTheServerExits()
    {
        var server = await ServerProcess.StartAsync(fixture.Model, ["--allowed-local-media-path", fixture.Folder, .. ServingFixture.SmallFrames]);
        await using var _ = server;
        using var http = Http(server.Address);
        var body = Request(0, maxTokens: 64);
        body["stream"] = true;
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json") };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var events = new List<string>();
        Task<int>? exit = null;
        await foreach (string data in Api.EventsAsync(response))
        {
            events.Add(data);
            if (events.Count == 2) exit = server.TerminateAsync(TimeSpan.FromSeconds(60));
        }
        Assert.Equal("[DONE]", events[^1]);
        Assert.Contains(events, e => e.Contains("\"finish_reason\":\"", StringComparison.Ordinal));
        Assert.NotNull(exit);
        Assert.Equal(0, await exit!);
    }
}
