// PruneVid.NET — serving tests: conversations through the in-process IChatClient, checked token for token against
// Qwen2.5-VL's chat template written out by hand.
using Microsoft.Extensions.AI;
using PruneVid.Runtime.Chat;
using PruneVid.Runtime.Pipeline;
using PruneVid.Runtime.Preprocessing;
using PruneVid.Runtime.Text;
using AiRole = Microsoft.Extensions.AI.ChatRole;
using AiMessage = Microsoft.Extensions.AI.ChatMessage;
using AiText = Microsoft.Extensions.AI.TextContent;

namespace PruneVid.Serving.Tests;

/// <summary>
/// The expected prompts are the HF template's output typed out here (Qwen2-VL / Qwen2.5-VL-Instruct chat_template:
/// a default system turn when the first message is not one, <c>&lt;|im_start|&gt;role\n…&lt;|im_end|&gt;\n</c> per
/// message, each video as vision_start + one video_pad per token + vision_end, then the generation prompt), so they do
/// not come from the prompt builder under test. The fixture clip is 112×112, sampled to 4 frames: 2 temporal steps of
/// 4×4 merged tokens, 32 tokens per video.
/// </summary>
[Collection("serve")]
public sealed class ConversationPromptTests(ServingFixture fixture)
{
    private const int ClipTokens = 32;

    private PruneVidChatClient Client(string strategy) => new(VideoQaPipeline.Load(fixture.Model, new PipelineOptions
    {
        Device = DeviceKind.Cpu,
        Strategy = strategy,
        Sampling = Runtime.Media.VideoSamplingOptions.Default with { MinPixels = 3136, MaxPixels = 12544 },
        Preprocessing = VisionPreprocessorOptions.Default with { VideoMinPixels = 3136, VideoMaxPixels = 12544 },
    }), "tiny", ownsPipeline: true);

    private static string Video(int tokens) =>
        "<|vision_start|>" + string.Concat(Enumerable.Repeat("<|video_pad|>", tokens)) + "<|vision_end|>";

    private UriContent Clip => new(new Uri(fixture.Clip), "video/mp4");

    private static async Task<VideoQaResult> Answer(PruneVidChatClient chat, params AiMessage[] messages)
    {
        var response = await chat.GetResponseAsync(messages, new ChatOptions { MaxOutputTokens = 3, Temperature = 0 });
        return (VideoQaResult)response.AdditionalProperties![PruneVidChatClient.ResultKey]!;
    }

    private static int[] Ids(PruneVidChatClient chat, string prompt) =>
        ((VideoQaPipeline)chat.GetService(typeof(VideoQaPipeline))!).Tokenizer.Encode(prompt);

    [Fact]
    public async Task ThreeTurnConversationWithASystemPromptIsTheTemplatesPrompt()
    {
        using var chat = Client("noop");
        var result = await Answer(chat,
            new AiMessage(AiRole.System, "Be brief."),
            new AiMessage(AiRole.User, [Clip, new AiText("What is happening?")]),
            new AiMessage(AiRole.Assistant, "A square moves."),
            new AiMessage(AiRole.User, "What colour is it?"));
        string expected =
            "<|im_start|>system\nBe brief.<|im_end|>\n" +
            "<|im_start|>user\n" + Video(ClipTokens) + "What is happening?<|im_end|>\n" +
            "<|im_start|>assistant\nA square moves.<|im_end|>\n" +
            "<|im_start|>user\nWhat colour is it?<|im_end|>\n" +
            "<|im_start|>assistant\n";
        Assert.Equal(ClipTokens, result.Compression.VisualTokensBefore);
        Assert.Equal(Ids(chat, expected), result.PromptIds);
    }

    [Fact]
    public async Task TextOnlyChatGetsTheDefaultSystemPromptAndNoVisualTokens()
    {
        using var chat = Client("prunevid-stage1");
        var result = await Answer(chat, new AiMessage(AiRole.User, "Hello there."));
        string expected = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello there.<|im_end|>\n<|im_start|>assistant\n";
        Assert.Equal(Ids(chat, expected), result.PromptIds);
        Assert.Equal(0, result.Compression.VisualTokensBefore);
        Assert.Equal("none (text)", result.Compression.Strategy);
        Assert.NotEmpty(result.Tokens);
    }

    [Fact]
    public async Task TwoVideosInOneConversationEachGetTheirPlaceholdersAndTheReducerActsOnBoth()
    {
        var bytes = new DataContent(await File.ReadAllBytesAsync(fixture.Clip), "video/mp4");
        AiMessage[] conversation =
        [
            new(AiRole.User, [Clip, new AiText("First clip.")]),
            new(AiRole.Assistant, "Seen."),
            new(AiRole.User, [new AiText("Second clip: "), bytes, new AiText(" Are they alike?")]),
        ];
        using (var noop = Client("noop"))
        {
            var result = await Answer(noop, conversation);
            string expected =
                "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n" +
                "<|im_start|>user\n" + Video(ClipTokens) + "First clip.<|im_end|>\n" +
                "<|im_start|>assistant\nSeen.<|im_end|>\n" +
                "<|im_start|>user\nSecond clip: " + Video(ClipTokens) + " Are they alike?<|im_end|>\n" +
                "<|im_start|>assistant\n";
            Assert.Equal(Ids(noop, expected), result.PromptIds);
        }
        using var stage1 = Client("prunevid-stage1");
        var reduced = await Answer(stage1, conversation);
        Assert.Equal(2 * ClipTokens, reduced.Compression.VisualTokensBefore);
        Assert.True(reduced.Compression.VisualTokensKept < reduced.Compression.VisualTokensBefore, "stage 1 reduced the videos");
        // Both runs of placeholders are in the prompt, each shrunk by the reducer, and together they hold every kept token.
        int pad = Ids(stage1, "<|video_pad|>").Single();
        var runs = Runs(reduced.PromptIds, pad);
        Assert.Equal(2, runs.Count);
        Assert.Equal(reduced.Compression.VisualTokensKept, runs.Sum());
        Assert.All(runs, r => Assert.InRange(r, 1, ClipTokens));
    }

    [Fact]
    public async Task RequestsOutsideTheTemplateAreRefusedWithSentences()
    {
        using var chat = Client("noop");
        async Task<ChatRequestException> Refused(params AiMessage[] messages) =>
            await Assert.ThrowsAsync<ChatRequestException>(() => chat.GetResponseAsync(messages));
        Assert.Contains("last message", (await Refused(new AiMessage(AiRole.User, "q"), new AiMessage(AiRole.Assistant, "a"))).Message);
        Assert.Contains("media belong in user messages", (await Refused(new AiMessage(AiRole.System, [Clip]), new AiMessage(AiRole.User, "q"))).Message);
        Assert.Contains("at most 4", (await Refused(new AiMessage(AiRole.User, [Clip, Clip, Clip, Clip, Clip, new AiText("q")]))).Message);
        Assert.Contains("empty", (await Refused(new AiMessage(AiRole.User, " "))).Message);
        Assert.Contains("tool", (await Refused(new AiMessage(AiRole.Tool, "42"), new AiMessage(AiRole.User, "q"))).Message);
    }

    [Fact]
    public async Task EveryQuestionEntryOfThePipelineRefusesABlankQuestionWithTheSameSentence()
    {
        using var chat = Client("noop");
        var pipeline = (VideoQaPipeline)chat.GetService(typeof(VideoQaPipeline))!;
        var frames = new Runtime.Media.RgbFrames(new byte[4 * 56 * 56 * 3], 4, 56, 56);
        using var encoded = pipeline.EncodeFrames(frames, 2.0);
        string[] messages =
        [
            Assert.Throws<ArgumentException>(() => pipeline.GenerateFromFrames(frames, 2.0, " ")).Message,
            (await Assert.ThrowsAsync<ArgumentException>(() => pipeline.GenerateAsync(fixture.Clip, ""))).Message,
            (await Assert.ThrowsAsync<ArgumentException>(() => pipeline.GenerateFromImageAsync(fixture.Clip, "\t"))).Message,
            Assert.Throws<ArgumentException>(() => pipeline.Answer(encoded, " ", "noop")).Message,
            Assert.Throws<ArgumentException>(() => pipeline.ScoreNextToken(encoded, " ", "noop", [1])).Message,
        ];
        Assert.Single(messages.Distinct());
        Assert.StartsWith("the question is empty", messages[0]);
    }

    private static List<int> Runs(IReadOnlyList<int> ids, int token)
    {
        var runs = new List<int>();
        for (int i = 0; i < ids.Count; i++)
        {
            if (ids[i] != token) continue;
            int start = i;
            while (i < ids.Count && ids[i] == token) i++;
            runs.Add(i - start);
        }
        return runs;
    }
}
