// PruneVid.NET — serving tests: the in-process IChatClient (Microsoft.Extensions.AI).
using Microsoft.Extensions.AI;
using PruneVid.Runtime.Chat;
using PruneVid.Runtime.Pipeline;
using PruneVid.Runtime.Preprocessing;

namespace PruneVid.Serving.Tests;

[Collection("serve")]
public sealed class ChatClientTests(ServingFixture fixture)
{
    private PruneVidChatClient Client() => new(VideoQaPipeline.Load(fixture.Model, new PipelineOptions
    {
        Device = DeviceKind.Cpu,
        Strategy = "prunevid-stage1",
        Sampling = Runtime.Media.VideoSamplingOptions.Default with { MinPixels = 3136, MaxPixels = 12544 },
        Preprocessing = VisionPreprocessorOptions.Default with { VideoMinPixels = 3136, VideoMaxPixels = 12544 },
    }), "tiny", ownsPipeline: true);

    private ChatMessage[] Question(AIContent video) => [new(ChatRole.User, [video, new TextContent("What is happening in this video?")])];

    [Fact]
    public async Task BytesAndFilePathsAnswerAlikeAndStreamingMatchesThroughAChatClientBuilderPipeline()
    {
        using var inner = Client();
        using IChatClient chat = new ChatClientBuilder(inner).ConfigureOptions(o => o.Temperature ??= 0).Build();
        var options = new ChatOptions { MaxOutputTokens = 6 };

        ChatResponse fromFile = await chat.GetResponseAsync(Question(new UriContent(new Uri(fixture.Clip), "video/mp4")), options);
        ChatResponse fromBytes = await chat.GetResponseAsync(Question(new DataContent(await File.ReadAllBytesAsync(fixture.Clip), "video/mp4")), options);
        Assert.Equal(fromFile.Text, fromBytes.Text);
        Assert.NotNull(fromFile.Usage);
        Assert.InRange(fromFile.Usage!.OutputTokenCount!.Value, 1, 6);
        var result = Assert.IsType<VideoQaResult>(fromFile.AdditionalProperties![PruneVidChatClient.ResultKey]);
        Assert.Equal(result.PromptIds.Count, fromFile.Usage.InputTokenCount);
        Assert.True(result.Compression.PromptVisualTokens < result.Compression.VisualTokensBefore, "stage 1 ran");

        var streamed = new System.Text.StringBuilder();
        await foreach (var update in chat.GetStreamingResponseAsync(Question(new UriContent(new Uri(fixture.Clip), "video/mp4")), options))
            streamed.Append(update.Text);
        Assert.Equal(fromFile.Text, streamed.ToString());
        Assert.Empty(Directory.GetFiles(Path.GetTempPath(), "prunevid-*.mp4"));   // the bytes' temporary file is gone
    }

    [Fact]
    public async Task TheStrategyComesFromAdditionalPropertiesAndBadRequestsAreRefusedWithSentences()
    {
        using var chat = Client();
        var noop = new ChatOptions { MaxOutputTokens = 2, AdditionalProperties = new() { [PruneVidChatClient.StrategyKey] = "noop" } };
        var response = await chat.GetResponseAsync(Question(new UriContent(new Uri(fixture.Clip), "video/mp4")), noop);
        var result = (VideoQaResult)response.AdditionalProperties![PruneVidChatClient.ResultKey]!;
        Assert.Equal(result.Compression.VisualTokensBefore, result.Compression.PromptVisualTokens);

        async Task<ChatRequestException> Refused(IEnumerable<ChatMessage> messages, ChatOptions? options = null) =>
            await Assert.ThrowsAsync<ChatRequestException>(() => chat.GetResponseAsync(messages, options));
        var video = new UriContent(new Uri(fixture.Clip), "video/mp4");
        Assert.Equal("messages[1]", (await Refused([new ChatMessage(ChatRole.User, "q"), new ChatMessage(ChatRole.Assistant, "a")])).Param);
        Assert.Equal("messages[0]", (await Refused([new ChatMessage(ChatRole.User, [video, video, video, video, video, new TextContent("q")])])).Param);
        Assert.Equal("temperature", (await Refused(Question(video), new ChatOptions { Temperature = 7 })).Param);
        var unknown = await Refused(Question(video), new ChatOptions { AdditionalProperties = new() { [PruneVidChatClient.StrategyKey] = "no-such-reducer" } });
        Assert.Equal("prunevid.strategy", unknown.Param);
        Assert.Contains("no-such-reducer", unknown.Message);
        var badParameter = await Refused(Question(video), new ChatOptions { AdditionalProperties = new() { [PruneVidChatClient.ParametersKey] = new Dictionary<string, object?> { ["tau"] = 5.0 } } });
        Assert.Equal("prunevid.params", badParameter.Param);
        Assert.DoesNotContain("(Parameter", badParameter.Message);
    }

    [Fact]
    public void StopSequencesSplitAcrossPiecesAreCutBeforeTheyShow()
    {
        var filter = new StopSequenceFilter(["END"]);
        Assert.Equal("ab", filter.Push("abE"));
        Assert.Equal("", filter.Push("N"));
        Assert.Equal("", filter.Push("Dtail"));
        Assert.True(filter.Stopped);
        var open = new StopSequenceFilter(["END"]);
        Assert.Equal("x", open.Push("xEN"));
        Assert.Equal("ENy", open.Push("y"));
        Assert.Equal("", open.Push("E"));
        Assert.Equal("", open.Push(""));
        Assert.Equal("E", open.Flush());
    }
}
