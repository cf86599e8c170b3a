// PruneVid.NET — CLI: `run --system TEXT` replaces the chat template's default system prompt.
using System.Text.Json.Nodes;
using PruneVid.Runtime.Text;

namespace PruneVid.Serving.Tests;

[Collection("serve")]
public sealed class RunSystemPromptTests(ServingFixture fixture)
{
    private int PromptTokens(params string[] extra)
    {
        var (code, error, output) = FrameSizeOptionTests.CliWithOutput(["run", "--model", fixture.Model, "--video", fixture.Clip,
            "--question", "What is shown?", "--strategy", "noop", "--max-new-tokens", "1", "--device", "cpu", "--json", .. ServingFixture.SmallFrames, .. extra]);
        Assert.True(code == 0, error);
        return JsonNode.Parse(output)!["compression"]!["prompt_tokens"]!.GetValue<int>();
    }

    [Fact]
    public void TheSystemOptionReplacesTheDefaultSystemPrompt()
    {
        var tokenizer = QwenTokenizer.FromModelFolder(fixture.Model);
        int difference = tokenizer.Encode("<|im_start|>system\nYou describe videos for blind viewers, carefully.<|im_end|>\n").Length
            - tokenizer.Encode("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n").Length;
        Assert.NotEqual(0, difference);
        Assert.Equal(PromptTokens() + difference, PromptTokens("--system", "You describe videos for blind viewers, carefully."));
    }
}
