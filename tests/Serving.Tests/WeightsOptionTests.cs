// PruneVid.NET — CLI: --weights int8|int4 quantizes the language model at load, end to end.
using System.Text.Json.Nodes;

namespace PruneVid.Serving.Tests;

[Collection("serve")]
public sealed class WeightsOptionTests(ServingFixture fixture)
{
    [Theory]
    [InlineData("int8")]
    [InlineData("int4")]
    public void RunAnswersWithQuantizedWeights(string format)
    {
        var (code, error, output) = Cli(["run", "--model", fixture.Model, "--video", fixture.Clip, "--question", "What is shown?",
            "--strategy", "noop", "--max-new-tokens", "2", "--device", "cpu", "--weights", format, "--json", .. ServingFixture.SmallFrames]);
        Assert.True(code == 0, error);
        Assert.InRange(JsonNode.Parse(output)!["tokens"]!.AsArray().Count, 1, 2);
    }

    [Fact]
    public async Task AServerWithInt4WeightsAnswersAChatRequest()
    {
        await using var server = await ServerProcess.StartAsync(fixture.Model, ["--weights", "int4", "--allowed-local-media-path", fixture.Folder, .. ServingFixture.SmallFrames]);
        using var http = new HttpClient { BaseAddress = server.Address };
        string answer = await Api.AnswerAsync(http, Api.VideoRequest(Api.FileUrl(fixture.Clip), maxTokens: 2));
        Assert.NotNull(answer);
    }

    [Fact]
    public void AnUnknownWeightFormatIsRefusedInASentence()
    {
        var (code, error, _) = Cli(["run", "--model", fixture.Model, "--video", fixture.Clip, "--question", "q", "--weights", "fp8"]);
        Assert.Equal(1, code);
        Assert.Contains("unknown weight format 'fp8': use bf16, int8 or int4", error);
        Assert.DoesNotContain("   at ", error);
    }

    private static (int Code, string Error, string Output) Cli(string[] args)
    {
        var (code, output, error) = CliProcess.Run(args, TimeSpan.FromMinutes(2));
        return (code, error, output);
    }
}
