// PruneVid.NET — CLI: --encoder-cache-mb on run, serve, eval and demo; --prefix-cache-mb on serve and eval.
using System.Text.Json.Nodes;

namespace PruneVid.Serving.Tests;

[Collection("serve")]
public sealed class CacheSizeOptionTests(ServingFixture fixture)
{
    [Fact]
    public void RunAnswersAlikeWithTheEncoderCacheOnAndOff()
    {
        string on = Run([]);
        string off = Run(["--encoder-cache-mb", "0"]);
        Assert.Equal(Tokens(on), Tokens(off));
    }

    [Theory]
    [InlineData("run")]
    [InlineData("serve")]
    [InlineData("demo")]
    [InlineData("eval mcq")]
    [InlineData("serve", "--prefix-cache-mb")]
    [InlineData("eval mcq", "--prefix-cache-mb")]
    public void ANegativeCacheSizeIsRefusedWithASentence(string command, string option = "--encoder-cache-mb")
    {
        // run checks its media options first: give it a complete command line.
        string[] rest = command == "run" ? ["--model", fixture.Model, "--video", fixture.Clip, "--question", "q"] : [];
        var (code, error, _) = FrameSizeOptionTests.CliWithOutput([.. command.Split(' '), .. rest, option, "-5"]);
        Assert.NotEqual(0, code);
        Assert.Contains($"{option} must be 0 (off) or a positive number of megabytes", error);
        Assert.DoesNotContain("   at ", error);
    }

    private string Run(string[] extra)
    {
        var (code, _, output) = FrameSizeOptionTests.CliWithOutput(["run", "--model", fixture.Model, "--video", fixture.Clip, "--question", "What is shown?",
            "--strategy", "noop", "--max-new-tokens", "3", "--device", "cpu", "--json", .. extra]);
        Assert.Equal(0, code);
        return output;
    }

    private static string Tokens(string json) => JsonNode.Parse(json)!["tokens"]!.ToJsonString();
}
