// PruneVid.NET — CLI: `run --json` speaks the one result vocabulary and counts in-model stages.
using System.Text.Json.Nodes;

namespace PruneVid.Serving.Tests;

/// <summary>
/// <c>run --json --strategy fastv --retention 0.25</c>: snake_case names only (those of the evaluation lines and the
/// server), FastV's stage after layer K − 1 with round(N·0.25) tokens kept, retention counted after it.
/// </summary>
[Collection("serve")]
public sealed class RunJsonTests(ServingFixture fixture)
{
    [Fact]
    public void RunJsonUsesTheSnakeCaseVocabularyAndCountsTheInModelStage()
    {
        var (code, stdout, error) = CliProcess.Run(["run", "--model", fixture.Model, "--video", fixture.Clip, "--question", "What is shown?",
            "--strategy", "fastv", "--retention", "0.25", "--max-new-tokens", "1", "--device", "cpu", "--json", .. ServingFixture.SmallFrames],
            TimeSpan.FromMinutes(2));
        Assert.True(code == 0, error);

        var json = JsonNode.Parse(stdout)!.AsObject();
        Assert.Equal(["text", "tokens", "finish_reason", "compression", "timings"], json.Select(p => p.Key));
        var c = json["compression"]!;
        int n = c["visual_tokens_before"]!.GetValue<int>(), kept = (int)Math.Round(n * 0.25, MidpointRounding.ToEven);
        Assert.Equal(kept, c["visual_tokens_kept"]!.GetValue<int>());
        Assert.Equal(n, c["prompt_visual_tokens"]!.GetValue<int>());
        Assert.Equal(25.0, c["target_retention_percent"]!.GetValue<double>());
        Assert.Equal(Math.Round(100.0 * kept / n, 2), c["retention_percent"]!.GetValue<double>());
        var stage = c["stages"]!.AsArray().Single()!.AsObject();
        Assert.Equal(["stage", "tokens_before", "tokens_after", "layer", "kv_rows_kept"], stage.Select(p => p.Key));
        Assert.Equal(1, stage["layer"]!.GetValue<int>()); // K = 2: after layer 1, 0-based
        Assert.All(json["timings"]!.AsObject(), p => Assert.Equal(p.Key.ToLowerInvariant(), p.Key));
    }
}
