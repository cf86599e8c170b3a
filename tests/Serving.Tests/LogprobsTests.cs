// PruneVid.NET — serving tests: logprobs and top_logprobs, over HTTP and against the model's own next-token logits.
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using PruneVid.Runtime.Chat;
using PruneVid.Runtime.Pipeline;
using PruneVid.Runtime.Preprocessing;

namespace PruneVid.Serving.Tests;

[Collection("serve")]
public sealed class LogprobsTests(ServingFixture fixture)
{
    private HttpClient Http() => new() { BaseAddress = fixture.Server.Address, Timeout = TimeSpan.FromSeconds(120) };

    private JsonObject Greedy(bool logprobs)
    {
        var body = Api.VideoRequest(Api.FileUrl(fixture.Clip), maxTokens: 6);
        if (logprobs) { body["logprobs"] = true; body["top_logprobs"] = 3; }
        return body;
    }

    private static void AssertEntry(JsonNode entry, bool greedy)
    {
        double logprob = entry["logprob"]!.GetValue<double>();
        Assert.True(logprob <= 1e-9, $"log-probability {logprob} above 0");
        var top = entry["top_logprobs"]!.AsArray();
        Assert.Equal(3, top.Count);
        var values = top.Select(t => t!["logprob"]!.GetValue<double>()).ToArray();
        Assert.Equal(values.OrderByDescending(v => v), values);
        Assert.True(values.Sum(Math.Exp) <= 1 + 1e-6);
        byte[] bytes = [.. entry["bytes"]!.AsArray().Select(b => (byte)b!.GetValue<int>())];
        Assert.Equal(Encoding.UTF8.GetString(bytes), entry["token"]!.GetValue<string>());
        if (greedy)
        {
            Assert.Equal(top[0]!["token"]!.GetValue<string>(), entry["token"]!.GetValue<string>());
            Assert.Equal(values[0], logprob, 9);
        }
    }

    [Fact]
    public async Task GreedyLogprobsListEachTokenAsTheMostLikelyAndLeaveTheAnswerUnchanged()
    {
        using var http = Http();
        string plain = await Api.AnswerAsync(http, Greedy(logprobs: false));
        using var response = await Api.PostAsync(http, Greedy(logprobs: true));
        var json = await Api.JsonAsync(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var choice = json["choices"]![0]!;
        string text = choice["message"]!["content"]!.GetValue<string>();
        Assert.Equal(plain, text);   // the logits row read on the host picks what the device's argmax picks
        var content = choice["logprobs"]!["content"]!.AsArray();
        Assert.NotEmpty(content);
        Assert.Equal(text, string.Concat(content.Select(e => e!["token"]!.GetValue<string>())));
        foreach (var entry in content) AssertEntry(entry!, greedy: true);
        int completion = json["usage"]!["completion_tokens"]!.GetValue<int>();
        // One entry per generated token, the final stop id (when decoding ended on one) excepted.
        Assert.InRange(content.Count, completion - 1, completion);
    }

    [Fact]
    public async Task StreamedChunksCarryTheLogprobsOfTheirOwnTokens()
    {
        using var http = Http();
        var body = Greedy(logprobs: true);
        body["stream"] = true;
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        int chunks = 0;
        await foreach (string data in Api.EventsAsync(response))
        {
            if (data == "[DONE]") break;
            var choice = JsonNode.Parse(data)!["choices"]!.AsArray().FirstOrDefault();
            if (choice?["delta"]?["content"]?.GetValue<string>() is not { Length: > 0 } text) continue;
            var content = choice["logprobs"]!["content"]!.AsArray();
            Assert.Equal(text, string.Concat(content.Select(e => e!["token"]!.GetValue<string>())));
            foreach (var entry in content) AssertEntry(entry!, greedy: true);
            chunks++;
        }
        Assert.True(chunks > 0);
    }

    [Fact]
    public async Task TheFirstTokensLogprobIsTheLogSoftmaxOfThePromptsNextTokenLogits()
    {
        using var pipeline = VideoQaPipeline.Load(fixture.Model, new PipelineOptions
        {
            Device = DeviceKind.Cpu,
            Strategy = "noop",
            Sampling = Runtime.Media.VideoSamplingOptions.Default with { MinPixels = 3136, MaxPixels = 12544 },
            Preprocessing = VisionPreprocessorOptions.Default with { VideoMinPixels = 3136, VideoMaxPixels = 12544 },
        });
        const string question = "What is happening in this video?";
        using var chat = new PruneVidChatClient(pipeline, "tiny");
        var options = new ChatOptions { MaxOutputTokens = 1, Temperature = 0, AdditionalProperties = new() { [PruneVidChatClient.TopLogprobsKey] = 2 } };
        var response = await chat.GetResponseAsync([new ChatMessage(ChatRole.User, [new UriContent(new Uri(fixture.Clip), "video/mp4"), new TextContent(question)])], options);
        var entries = (IReadOnlyList<TokenLogprob>)response.AdditionalProperties![PruneVidChatClient.LogprobsKey]!;
        var result = (VideoQaResult)response.AdditionalProperties[PruneVidChatClient.ResultKey]!;
        int first = result.Tokens[0];

        // The same prompt scored in one prefill: every token's logit, then log-softmax computed here.
        using var encoded = await pipeline.EncodeVideoAsync(fixture.Clip);
        int vocabulary = pipeline.Config.Text.VocabSize;
        var logits = pipeline.ScoreNextToken(encoded, question, "noop", [.. Enumerable.Range(0, vocabulary)]).Logits;
        double max = logits.Max();
        double logSumExp = max + Math.Log(logits.Sum(l => Math.Exp(l - max)));
        Assert.Equal(first, Enumerable.Range(0, vocabulary).MaxBy(i => logits[i]));
        Assert.Equal(logits[first] - logSumExp, Assert.Single(entries).Logprob, 4);
        var ranked = Enumerable.Range(0, vocabulary).OrderByDescending(i => logits[i]).Take(2).ToArray();
        Assert.Equal(logits[ranked[1]] - logSumExp, entries[0].Top[1].Logprob, 4);
    }
}
