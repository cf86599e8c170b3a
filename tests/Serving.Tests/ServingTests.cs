// PruneVid.NET — serving tests: chat completions through the official OpenAI client and HttpClient.
using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using OpenAI;
using OpenAI.Chat;

namespace PruneVid.Serving.Tests;

[Collection("serve")]
public sealed class ServingTests(ServingFixture fixture)
{
    private HttpClient Http() => new() { BaseAddress = fixture.Server.Address, Timeout = TimeSpan.FromSeconds(120) };

    private OpenAIClient OpenAi(string key = "unused") =>
        new(new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = new Uri(fixture.Server.Address, "v1") });

    private List<ChatMessage> VideoMessages(string question = "What is happening in this video?") =>
    [
        new UserChatMessage(ChatMessageContentPart.CreateTextPart(question),
            ChatMessageContentPart.CreateImagePart(BinaryData.FromBytes(File.ReadAllBytes(fixture.Clip)), "video/mp4")),
    ];

    [Fact]
    public async Task HealthModelsAndMetricsAnswer()
    {
        using var http = Http();
        using var health = await http.GetAsync("health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("ok", (await Api.JsonAsync(health))["status"]!.GetValue<string>());

        var models = (await OpenAi().GetOpenAIModelClient().GetModelsAsync()).Value;
        // The default name is the model folder's own name, never its absolute path.
        Assert.Equal("tiny-qwen25vl", Assert.Single(models).Id);
        Assert.DoesNotContain(fixture.Folder, await http.GetStringAsync("metrics"));

        string metrics = await http.GetStringAsync("metrics");
        Assert.Contains("prunevid_ready 1", metrics);
        Assert.Contains("# TYPE prunevid_request_duration_seconds histogram", metrics);
        Assert.Contains("# TYPE prunevid_queue_depth gauge", metrics);
    }

    [Fact]
    public async Task StreamingReassemblesToTheNonStreamingAnswerThroughTheOpenAIClient()
    {
        ChatClient chat = OpenAi().GetChatClient("tiny");
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 8, Temperature = 0 };
        ChatCompletion completion = (await chat.CompleteChatAsync(VideoMessages(), options)).Value;
        string text = completion.Content[0].Text;
        Assert.NotEmpty(text);
        Assert.True(completion.Usage.InputTokenCount > 20, "the prompt holds the video tokens");
        Assert.InRange(completion.Usage.OutputTokenCount, 1, 8);

        var streamed = new StringBuilder();
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;
        int updates = 0;
        await foreach (StreamingChatCompletionUpdate update in chat.CompleteChatStreamingAsync(VideoMessages(), options))
        {
            updates++;
            foreach (var part in update.ContentUpdate) streamed.Append(part.Text);
            usage ??= update.Usage;
            finish ??= update.FinishReason;
        }
        Assert.Equal(text, streamed.ToString());
        Assert.True(updates > 2, "the answer arrives in several chunks");
        Assert.Equal(completion.FinishReason, finish);
        Assert.NotNull(usage);
        Assert.Equal(completion.Usage.OutputTokenCount, usage!.OutputTokenCount);
        Assert.Equal(completion.Usage.InputTokenCount, usage.InputTokenCount);
    }

    [Fact]
    public async Task VideoUrlsAsFileAndDataGiveTheSameAnswerAndCarryTheStatistics()
    {
        using var http = Http();
        using var response = await Api.PostAsync(http, Api.VideoRequest(Api.FileUrl(fixture.Clip)));
        var json = await Api.JsonAsync(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("chat.completion", json["object"]!.GetValue<string>());
        var stats = json["prunevid"]!;
        Assert.Equal("prunevid-stage1", stats["strategy"]!.GetValue<string>());
        int before = stats["compression"]!["visual_tokens_before"]!.GetValue<int>();
        int after = stats["compression"]!["visual_tokens_kept"]!.GetValue<int>();
        Assert.True(before > 0 && after > 0 && after <= before, $"{before} -> {after}");
        // 0 when the encoder cache already held this clip from an earlier request to the same server.
        Assert.True(stats["timings"]!["vision_ms"]!.GetValue<double>() >= 0);
        Assert.Equal(json["usage"]!["prompt_tokens"]!.GetValue<int>(), stats["compression"]!["prompt_tokens"]!.GetValue<int>());

        string fromFile = json["choices"]![0]!["message"]!["content"]!.GetValue<string>();
        string fromData = await Api.AnswerAsync(http, Api.VideoRequest(Api.DataUrl(fixture.Clip)));
        Assert.Equal(fromFile, fromData);
        // The inline video's temporary file is deleted as the request ends (just after the answer is sent).
        string spooled = $"prunevid-serve-{fixture.Server.Id}-*";
        for (int i = 0; i < 50 && Directory.GetFiles(Path.GetTempPath(), spooled).Length > 0; i++) await Task.Delay(100);
        Assert.Empty(Directory.GetFiles(Path.GetTempPath(), spooled));
    }

    [Fact]
    public async Task EachRequestCanChooseItsStrategyAndParameters()
    {
        using var http = Http();
        async Task<JsonNode> Stats(JsonObject extension)
        {
            using var response = await Api.PostAsync(http, Api.VideoRequest(Api.FileUrl(fixture.Clip), extension: extension));
            var json = await Api.JsonAsync(response);
            Assert.True(response.IsSuccessStatusCode, json.ToJsonString());
            return json["prunevid"]!;
        }
        var noop = await Stats(new JsonObject { ["strategy"] = "noop" });
        Assert.Equal("noop", noop["strategy"]!.GetValue<string>());
        int all = noop["compression"]!["visual_tokens_before"]!.GetValue<int>();
        Assert.Equal(all, noop["compression"]!["visual_tokens_kept"]!.GetValue<int>());

        var keepMost = await Stats(new JsonObject { ["strategy"] = "prunevid-stage1", ["params"] = new JsonObject { ["tau"] = 0.9, ["cluster_ratio"] = 0.7 } });
        var keepFew = await Stats(new JsonObject { ["strategy"] = "prunevid-stage1:aggressive", ["params"] = new JsonObject { ["cluster_ratio"] = 0.3 } });
        int most = keepMost["compression"]!["visual_tokens_kept"]!.GetValue<int>();
        int few = keepFew["compression"]!["visual_tokens_kept"]!.GetValue<int>();
        Assert.True(few < most && most <= all, $"cluster_ratio 0.3 keeps {few}, 0.7 keeps {most}, of {all}");
        Assert.Equal("prunevid-stage1:aggressive", keepFew["strategy"]!.GetValue<string>());
    }

    [Fact]
    public async Task TheOpenAIClientCanSendTheStrategyExtensionField()
    {
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 4, Temperature = 0 };
        options.Patch.Set("$.prunevid.strategy"u8, "no-such-reducer");
        var error = await Assert.ThrowsAsync<ClientResultException>(() => OpenAi().GetChatClient("tiny").CompleteChatAsync(VideoMessages(), options));
        Assert.Equal(400, error.Status);
        Assert.Contains("no-such-reducer", error.Message);
    }

    [Fact]
    public async Task StopSequencesEndTheAnswerBeforeThem()
    {
        using var http = Http();
        // Seeded sampling: the tiny model's greedy answer is one repeated byte, too plain to cut in the middle.
        var body = Api.VideoRequest(Api.FileUrl(fixture.Clip), maxTokens: 12);
        body["temperature"] = 1.0;
        body["seed"] = 3;
        string full = await Api.AnswerAsync(http, body);
        Assert.Equal(full, await Api.AnswerAsync(http, body));   // the seed makes it repeatable
        Assert.True(full.Length >= 4, $"answer too short for the test: '{full}'");
        string stop = full.Substring(full.Length / 2, 2);
        body["stop"] = new JsonArray(stop);
        using var response = await Api.PostAsync(http, body);
        var json = await Api.JsonAsync(response);
        Assert.Equal(full[..full.IndexOf(stop, StringComparison.Ordinal)], json["choices"]![0]!["message"]!["content"]!.GetValue<string>());
        Assert.Equal("stop", json["choices"]![0]!["finish_reason"]!.GetValue<string>());
    }

    public static TheoryData<string, string, string?> BadRequests => new()
    {
        // name, body (VIDEO = a readable clip's file URL), expected param
        { "not JSON", "{\"messages\": [", null },
        { "not an object", "[1, 2]", null },
        { "no messages", "{\"model\": \"tiny\"}", "messages" },
        { "max_tokens as a string", "{\"max_tokens\": \"eight\", \"messages\": MSG}", "max_tokens" },
        { "temperature as a string", "{\"temperature\": \"hot\", \"messages\": MSG}", "temperature" },
        { "stream as a string", "{\"stream\": \"yes\", \"messages\": MSG}", "stream" },
        { "temperature out of range", "{\"temperature\": 5, \"messages\": MSG}", "temperature" },
        { "unknown part type", "{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"audio\"}]}]}", "messages[0].content[0].type" },
        { "unknown strategy", "{\"prunevid\": {\"strategy\": \"no-such-reducer\"}, \"messages\": MSG}", "prunevid.strategy" },
        { "parameter out of range", "{\"prunevid\": {\"strategy\": \"prunevid-stage1\", \"params\": {\"tau\": 5}}, \"messages\": MSG}", "prunevid.params" },
        { "unknown parameter", "{\"prunevid\": {\"params\": {\"no_such\": 1}}, \"messages\": MSG}", "prunevid.params" },
        { "strategy as a number", "{\"prunevid\": {\"strategy\": 3}, \"messages\": MSG}", "prunevid.strategy" },
        { "a conversation ending with the assistant", "{\"messages\": [{\"role\": \"user\", \"content\": \"hello\"}, {\"role\": \"assistant\", \"content\": \"hi\"}]}", "messages[1]" },
        { "an empty last user message", "{\"messages\": [{\"role\": \"user\", \"content\": \"  \"}]}", "messages[0]" },
        { "media in an assistant message", "{\"messages\": [{\"role\": \"assistant\", \"content\": [{\"type\": \"video_url\", \"video_url\": {\"url\": \"VIDEO\"}}]}, {\"role\": \"user\", \"content\": \"q\"}]}", "messages[0]" },
        { "five videos", "{\"messages\": [{\"role\": \"user\", \"content\": [V5{\"type\": \"text\", \"text\": \"q\"}]}]}", "messages" },
        { "a tool message", "{\"messages\": [{\"role\": \"tool\", \"content\": \"42\"}, {\"role\": \"user\", \"content\": \"q\"}]}", "messages[0].role" },
        { "tools", "{\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\"}}], \"messages\": MSG}", "tools" },
        { "a JSON response format", "{\"response_format\": {\"type\": \"json_object\"}, \"messages\": MSG}", "response_format" },
        { "n of 2", "{\"n\": 2, \"messages\": MSG}", "n" },
        { "top_logprobs without logprobs", "{\"top_logprobs\": 2, \"messages\": MSG}", "top_logprobs" },
        { "top_logprobs over 20", "{\"logprobs\": true, \"top_logprobs\": 21, \"messages\": MSG}", "top_logprobs" },
        { "unreadable video", "{\"messages\": MSG_NOT_A_VIDEO}", "messages[0].content[0].video_url" },
        { "missing file", "{\"messages\": MSG_MISSING}", "messages[0].content[0].video_url" },
        { "bad base64", "{\"messages\": MSG_BAD_BASE64}", "messages[0].content[0].video_url" },
        { "remote URL without --allow-remote-media", "{\"messages\": MSG_REMOTE}", "messages[0].content[0].video_url" },
        { "video over the length limit", "{\"messages\": MSG_LONG}", "messages[0].content[0].video_url" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadRequestsGet400InTheOpenAIErrorShape(string name, string body, string? param)
    {
        string Messages(string url) =>
            $"[{{\"role\": \"user\", \"content\": [{{\"type\": \"video_url\", \"video_url\": {{\"url\": \"{url}\"}}}}, {{\"type\": \"text\", \"text\": \"What happens?\"}}]}}]";
        body = body
            .Replace("MSG_NOT_A_VIDEO", Messages(Api.FileUrl(fixture.NotAVideo)))
            .Replace("MSG_MISSING", Messages(Api.FileUrl(Path.Combine(fixture.Folder, "missing.mp4"))))
            .Replace("MSG_BAD_BASE64", Messages("data:video/mp4;base64,@@@not base64@@@"))
            .Replace("MSG_REMOTE", Messages("http://127.0.0.1:9/clip.mp4"))
            .Replace("MSG_LONG", Messages(Api.FileUrl(fixture.LongClip)))
            .Replace("MSG", Messages(Api.FileUrl(fixture.Clip)))
            .Replace("V5", string.Concat(Enumerable.Repeat("{\"type\": \"video_url\", \"video_url\": {\"url\": \"VIDEO\"}}, ", 5)))
            .Replace("VIDEO", Api.FileUrl(fixture.Clip));
        using var http = Http();
        using var response = await Api.PostRawAsync(http, body);
        var error = Api.AssertError(await response.Content.ReadAsStringAsync(), (int)response.StatusCode, 400);
        if (param is not null) Assert.True(param == error["param"]?.GetValue<string>(), $"{name}: param {error["param"]} instead of {param}: {error.ToJsonString()}");
    }

    [Fact]
    public async Task AnOversizedBodyGets413()
    {
        string big = "{\"messages\": [{\"role\": \"user\", \"content\": \"" + new string('x', 2 << 20) + "\"}]}";
        var (status, payload) = await Api.PostRawOverTcpAsync(fixture.Server.Address, System.Text.Encoding.UTF8.GetBytes(big));
        Api.AssertError(payload, status, 413);
    }

    [Fact]
    public async Task UnknownRoutesGet404InTheErrorShape()
    {
        using var http = Http();
        using var response = await http.GetAsync("v1/nothing-here");
        Api.AssertError(await response.Content.ReadAsStringAsync(), (int)response.StatusCode, 404);
    }
}
