// PruneVid.NET — CLI: --min-pixels/--max-pixels bound the frames of `run` end to end.
using System.Text.Json.Nodes;

namespace PruneVid.Serving.Tests;

[Collection("serve")]
public sealed class FrameSizeOptionTests(ServingFixture fixture)
{
    [Fact]
    public void RunKeepsFramesInsideThePixelBoundsGiven()
    {
        int full = VisualTokens(Run(["--json"]));
        // 12,544 px = 16 merged tokens per temporal step at most; the processor must not resize the frames back up.
        int bounded = VisualTokens(Run(["--json", .. ServingFixture.SmallFrames]));
        Assert.True(bounded * 4 < full, $"bounded run kept {bounded} visual tokens, the default run {full}");

        var (code, error) = Cli("run", "--model", fixture.Model, "--video", fixture.Clip, "--question", "q",
            "--min-pixels", "20000", "--max-pixels", "10000");
        Assert.Equal(1, code);
        Assert.Contains("--min-pixels 20000 is larger than --max-pixels 10000", error);
        Assert.DoesNotContain("(Parameter", error);
    }

    private string Run(string[] extra)
    {
        var (code, _, output) = CliWithOutput(["run", "--model", fixture.Model, "--video", fixture.Clip, "--question", "What is shown?",
            "--strategy", "noop", "--max-new-tokens", "1", "--device", "cpu", .. extra]);
        Assert.Equal(0, code);
        return output;
    }

    private static int VisualTokens(string json) =>
        JsonNode.Parse(json)!["compression"]!["visual_tokens_before"]!.GetValue<int>();

    private static (int Code, string Error) Cli(params string[] args)
    {
        var (code, error, _) = CliWithOutput(args);
        return (code, error);
    }

    internal static (int Code, string Error, string Output) CliWithOutput(string[] args)
    {
        var (code, output, error) = CliProcess.Run(args, TimeSpan.FromMinutes(2));
        return (code, error, output);
    }
}
