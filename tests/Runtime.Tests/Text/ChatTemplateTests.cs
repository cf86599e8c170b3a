// PruneVid.NET — chat prompt tests.
using System.Text.Json;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Text;
using Xunit;

namespace PruneVid.Runtime.Tests.Text;

public class ChatTemplateTests
{
    private static JsonElement Reference()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(FixturePaths.Get("tiny-qwen25vl", "reference.json")));
        return doc.RootElement.Clone();
    }

    [Fact]
    public void VideoQuestionRendersExactlyTheReferencePrompt()
    {
        var reference = Reference();
        var prompt = new PromptBuilder()
            .AddVideo(grid: (4, 18, 30))
            .AddText(reference.GetProperty("question").GetString()!)
            .Build();

        Assert.Equal(reference.GetProperty("prompt").GetString(), prompt.Text);
    }

    [Fact]
    public void TokenizedPromptEqualsTheReferenceInputIds()
    {
        var reference = Reference();
        var prompt = new PromptBuilder().AddVideo(540).AddText(reference.GetProperty("question").GetString()!).Build();
        using var file = SafeTensorsFile.Open(FixturePaths.Get("tiny-qwen25vl", "reference.safetensors"));
        long[] expected = file.ReadI64("input_ids");

        int[] ids = prompt.Tokenize(SharedTokenizer.Instance);

        Assert.Equal(568, ids.Length);
        Assert.Equal(expected, ids.Select(i => (long)i));
        Assert.Equal(540, ids.Count(i => i == 151656));
    }

    [Fact]
    public void ReducedVideoGetsExactlyTheKeptNumberOfPlaceholders()
    {
        var tokenizer = SharedTokenizer.Instance;
        int[] ids = new PromptBuilder().AddVideo(37).AddText("Why?").Build().Tokenize(tokenizer);
        int pad = tokenizer.GetAddedTokenId(QwenSpecialTokens.VideoPad);
        Assert.Equal(37, ids.Count(i => i == pad));
        int start = Array.IndexOf(ids, tokenizer.GetAddedTokenId(QwenSpecialTokens.VisionStart));
        Assert.All(ids.Skip(start + 1).Take(37), id => Assert.Equal(pad, id));
        Assert.Equal(tokenizer.GetAddedTokenId(QwenSpecialTokens.VisionEnd), ids[start + 38]);
    }

    [Fact]
    public void CustomSystemPromptReplacesTheDefaultAndImagesAndVideosKeepTheirOrder()
    {
        string text = new PromptBuilder().WithSystem("Be brief.").AddImage(2).AddVideo(3).AddText("Compare.").Build().Text;
        Assert.Equal(
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n" +
            "<|vision_start|><|image_pad|><|image_pad|><|vision_end|>" +
            "<|vision_start|><|video_pad|><|video_pad|><|video_pad|><|vision_end|>Compare.<|im_end|>\n<|im_start|>assistant\n",
            text);
    }

    [Fact]
    public void VisionIdsAndMultiTurnFollowTheTemplate()
    {
        var messages = new List<ChatMessage>
        {
            new(ChatRole.User, [ChatContent.Video(1), ChatContent.Video(1), ChatContent.Text("Same?")]),
            new(ChatRole.Assistant, [ChatContent.Text("Yes.")]),
        };
        Assert.Equal(
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n" +
            "Video 1: <|vision_start|><|video_pad|><|vision_end|>Video 2: <|vision_start|><|video_pad|><|vision_end|>Same?<|im_end|>\n" +
            "<|im_start|>assistant\nYes.<|im_end|>\n",
            ChatTemplate.Render(messages, addGenerationPrompt: false, addVisionId: true));
    }

    [Fact]
    public void BadPlaceholderCountsAndGridsAreRejectedByName()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PromptBuilder().AddVideo(0));
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => PromptBuilder.PlaceholdersFor((4, 17, 30)));
        Assert.Contains("multiples of 2", ex.Message);
        Assert.Throws<InvalidOperationException>(() => new PromptBuilder().Build());
    }
}
