// PruneVid.NET — serving tests: system prompts, conversations, text-only chats, several videos and stop strings over
// HTTP, through the official OpenAI .NET client and raw JSON.
using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using OpenAI;
using OpenAI.Chat;
using QwenTokenizer = PruneVid.Runtime.Text.QwenTokenizer;

namespace PruneVid.Serving.Tests;

/// <summary>
/// Prompt lengths are checked against the chat template typed out by hand (see <see cref="ConversationPromptTests"/>),
/// tokenized with the model folder's tokenizer; requests that must see every video token use the <c>noop</c> strategy.
/// </summary>
[Collection("serve")]
public sealed class ServerConversationTests(ServingFixture fixture)
{
    private const int ClipTokens = 32;
    private const string DefaultSystem = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n";

    private HttpClient Http() => new() { BaseAddress = fixture.Server.Address, Timeout = TimeSpan.FromSeconds(120) };

    private ChatClient OpenAi() =>
        new OpenAIClient(new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(fixture.Server.Address, "v1") }).GetChatClient("tiny");

    private int Tokens(string prompt) => QwenTokenizer.FromModelFolder(fixture.Model).Encode(prompt).Length;

    private static string Video(int tokens) =>
        "<|vision_start|>" + string.Concat(Enumerable.Repeat("<|video_pad|>", tokens)) + "<|vision_end|>";

    private ChatMessageContentPart ClipPart() =>
        ChatMessageContentPart.CreateImagePart(BinaryData.FromBytes(File.ReadAllBytes(fixture.Clip)), "video/mp4");

    private static JsonObject Text(string text) => new() { ["type"] = "text", ["text"] = text };

    private JsonObject VideoPart() => new() { ["type"] = "video_url", ["video_url"] = new JsonObject { ["url"] = Api.FileUrl(fixture.Clip) } };

    private static JsonObject Message(string role, JsonNode content) => new() { ["role"] = role, ["content"] = content };

    private static JsonObject Body(params JsonObject[] messages) => new()
    {
        ["model"] = "tiny",
        ["messages"] = new JsonArray([.. messages]),
        ["max_tokens"] = 3,
        ["temperature"] = 0,
        ["prunevid"] = new JsonObject { ["strategy"] = "noop" },
    };

    private static async Task<JsonObject> OkAsync(HttpClient http, JsonObject body)
    {
        using var response = await Api.PostAsync(http, body);
        var json = await Api.JsonAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.OK, json.ToJsonString());
        return json;
    }

    [Fact]
    public async Task SystemPromptAndVideoQuestionThroughTheOpenAIClientReplaceTheDefaultSystemTurn()
    {
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 3, Temperature = 0 };
        ChatCompletion plain = (await OpenAi().CompleteChatAsync([new UserChatMessage(ClipPart(), ChatMessageContentPart.CreateTextPart("What is happening?"))], options)).Value;
        ChatCompletion system = (await OpenAi().CompleteChatAsync(
            [new SystemChatMessage("Answer like a sports commentator, in one line."), new UserChatMessage(ClipPart(), ChatMessageContentPart.CreateTextPart("What is happening?"))],
            options)).Value;
        Assert.NotEmpty(system.Content[0].Text);
        int expectedDifference = Tokens("<|im_start|>system\nAnswer like a sports commentator, in one line.<|im_end|>\n") - Tokens(DefaultSystem);
        Assert.NotEqual(0, expectedDifference);
        Assert.Equal(plain.Usage.InputTokenCount + expectedDifference, system.Usage.InputTokenCount);
    }

    [Fact]
    public async Task ThreeTurnConversationOverRawHttpHasTheTemplatesPrompt()
    {
        using var http = Http();
        var json = await OkAsync(http, Body(
            Message("system", "Be brief."),
            Message("user", new JsonArray(VideoPart(), Text("What is happening?"))),
            Message("assistant", "A square moves."),
            Message("user", "What colour is it?")));
        string expected = "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n" + Video(ClipTokens) + "What is happening?<|im_end|>\n" +
            "<|im_start|>assistant\nA square moves.<|im_end|>\n<|im_start|>user\nWhat colour is it?<|im_end|>\n<|im_start|>assistant\n";
        Assert.Equal(Tokens(expected), json["usage"]!["prompt_tokens"]!.GetValue<int>());
        Assert.NotEmpty(json["choices"]![0]!["message"]!["content"]!.GetValue<string>());
    }

    [Fact]
    public async Task ThreeTurnConversationThroughTheOpenAIClientAnswersEachTurn()
    {
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 3, Temperature = 0 };
        List<ChatMessage> conversation =
        [
            new SystemChatMessage("Be brief."),
            new UserChatMessage(ClipPart(), ChatMessageContentPart.CreateTextPart("What is happening?")),
        ];
        ChatCompletion first = (await OpenAi().CompleteChatAsync(conversation, options)).Value;
        conversation.Add(new AssistantChatMessage(first.Content[0].Text));
        conversation.Add(new UserChatMessage("And then?"));
        ChatCompletion second = (await OpenAi().CompleteChatAsync(conversation, options)).Value;
        // The second prompt holds the first one minus its generation prompt, the answer, and the new turn.
        int added = Tokens("<|im_start|>assistant\n" + first.Content[0].Text + "<|im_end|>\n<|im_start|>user\nAnd then?<|im_end|>\n<|im_start|>assistant\n")
            - Tokens("<|im_start|>assistant\n");
        Assert.Equal(first.Usage.InputTokenCount + added, second.Usage.InputTokenCount);
    }

    [Fact]
    public async Task TextOnlyChatThroughTheOpenAIClientAnswers()
    {
        ChatCompletion completion = (await OpenAi().CompleteChatAsync([new UserChatMessage("Hello there.")],
            new ChatCompletionOptions { MaxOutputTokenCount = 4, Temperature = 0 })).Value;
        Assert.NotEmpty(completion.Content[0].Text);
        Assert.Equal(Tokens(DefaultSystem + "<|im_start|>user\nHello there.<|im_end|>\n<|im_start|>assistant\n"), completion.Usage.InputTokenCount);
    }

    [Fact]
    public async Task TwoVideosInOneConversationAreBothEncodedAndReduced()
    {
        using var http = Http();
        var messages = new[]
        {
            Message("user", new JsonArray(VideoPart(), Text("First clip."))),
            Message("assistant", "Seen."),
            Message("user", new JsonArray(Text("Second clip: "), new JsonObject { ["type"] = "video_url", ["video_url"] = new JsonObject { ["url"] = Api.DataUrl(fixture.Clip) } }, Text(" Alike?"))),
        };
        var all = await OkAsync(http, Body([.. messages.Select(m => (JsonObject)m.DeepClone())]));
        string expected = DefaultSystem + "<|im_start|>user\n" + Video(ClipTokens) + "First clip.<|im_end|>\n<|im_start|>assistant\nSeen.<|im_end|>\n" +
            "<|im_start|>user\nSecond clip: " + Video(ClipTokens) + " Alike?<|im_end|>\n<|im_start|>assistant\n";
        Assert.Equal(Tokens(expected), all["usage"]!["prompt_tokens"]!.GetValue<int>());
        Assert.Equal(2 * ClipTokens, all["prunevid"]!["compression"]!["visual_tokens_before"]!.GetValue<int>());

        var reducedBody = Body([.. messages.Select(m => (JsonObject)m.DeepClone())]);
        reducedBody.Remove("prunevid");
        var reduced = await OkAsync(http, reducedBody);
        var compression = reduced["prunevid"]!["compression"]!;
        Assert.Equal(2 * ClipTokens, compression["visual_tokens_before"]!.GetValue<int>());
        int after = compression["visual_tokens_kept"]!.GetValue<int>();
        Assert.True(after < 2 * ClipTokens, $"stage 1 kept {after} of {2 * ClipTokens}");
        Assert.Equal(Tokens(expected) - (2 * ClipTokens - after), reduced["usage"]!["prompt_tokens"]!.GetValue<int>());
    }

    /// <summary>A seeded sampled answer (the tiny model's greedy answer repeats one byte, too plain to cut), as streamed pieces.</summary>
    private static JsonObject Sampled(string videoUrl, int maxTokens)
    {
        var body = Api.VideoRequest(videoUrl, maxTokens: maxTokens);
        body["temperature"] = 1.0;
        body["seed"] = 3;
        return body;
    }

    private static async Task<(List<string> Pieces, string Finish, int CompletionTokens)> StreamAsync(HttpClient http, JsonObject body)
    {
        body["stream"] = true;
        body["stream_options"] = new JsonObject { ["include_usage"] = true };
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var pieces = new List<string>();
        string finish = "";
        int completion = -1;
        await foreach (string data in Api.EventsAsync(response))
        {
            if (data == "[DONE]") break;
            var chunk = JsonNode.Parse(data)!;
            if (chunk["usage"] is { } usage) completion = usage["completion_tokens"]!.GetValue<int>();
            if (chunk["choices"]!.AsArray().FirstOrDefault() is not { } choice) continue;
            if (choice["delta"]?["content"]?.GetValue<string>() is { Length: > 0 } text) pieces.Add(text);
            if (choice["finish_reason"]?.GetValue<string>() is { } f) finish = f;
        }
        return (pieces, finish, completion);
    }

    [Fact]
    public async Task StopStringSplitAcrossTokensEndsDecodingAndNeverShowsInTheStream()
    {
        using var http = Http();
        var (pieces, finish, completion) = await StreamAsync(http, Sampled(Api.FileUrl(fixture.Clip), 16));
        Assert.Equal(16, completion);
        Assert.Equal("length", finish);
        // A stop string made of the end of one streamed piece and the start of the next: it spans two tokens.
        int k = Enumerable.Range(1, pieces.Count - 3).FirstOrDefault(i => pieces[i].Length > 0 && pieces[i + 1].Length > 0, -1);
        Assert.True(k > 0, $"too few pieces to split a stop string over: {string.Join("|", pieces)}");
        string stop = pieces[k][^1..] + pieces[k + 1][..1];
        string full = string.Concat(pieces);
        string expected = full[..full.IndexOf(stop, StringComparison.Ordinal)];

        var withStop = Sampled(Api.FileUrl(fixture.Clip), 16);
        withStop["stop"] = new JsonArray(stop, "never-seen-stop");
        var (cut, cutFinish, cutCompletion) = await StreamAsync(http, withStop);
        Assert.Equal(expected, string.Concat(cut));
        Assert.All(cut, piece => Assert.DoesNotContain(stop, piece));
        Assert.Equal("stop", cutFinish);
        Assert.True(cutCompletion < completion, $"decoding ran on to {cutCompletion} tokens after the stop string (the full answer has {completion})");
    }

    [Fact]
    public async Task StopStringEndsDecodingOfANonStreamedAnswer()
    {
        using var http = Http();
        var full = await OkAsync(http, Sampled(Api.FileUrl(fixture.Clip), 16));
        string text = full["choices"]![0]!["message"]!["content"]!.GetValue<string>();
        Assert.True(text.Length >= 6, $"answer too short for the test: '{text}'");
        string stop = text.Substring(text.Length / 3, 2);
        var body = Sampled(Api.FileUrl(fixture.Clip), 16);
        body["stop"] = stop;
        body["max_completion_tokens"] = 16;
        body.Remove("max_tokens");
        var cut = await OkAsync(http, body);
        Assert.Equal(text[..text.IndexOf(stop, StringComparison.Ordinal)], cut["choices"]![0]!["message"]!["content"]!.GetValue<string>());
        Assert.Equal("stop", cut["choices"]![0]!["finish_reason"]!.GetValue<string>());
        Assert.True(cut["usage"]!["completion_tokens"]!.GetValue<int>() < full["usage"]!["completion_tokens"]!.GetValue<int>(), "decoding ended at the stop string");
    }
}
