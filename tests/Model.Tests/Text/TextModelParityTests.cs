// PruneVid.NET — language model tests: parity with the HF reference activations.
using System.Diagnostics;
using PruneVid.Runtime.Model.Parity;
using Xunit;
using Xunit.Abstractions;

namespace PruneVid.Model.Tests.Text;

/// <summary>
/// The tiny checkpoint's language model fed the reference <c>video_embeds</c>: every text tensor of the fixture
/// within the bounds of the task (hidden ≤ 2e-3 / cosine ≥ 0.99999, logits ≤ 2e-3 with equal argmax, ≥ 99% equal
/// argmax over all positions, identical 12-token greedy continuation through the KV-cache decode path).
/// </summary>
public sealed class TextModelParityTests(TinyTextModel tiny, ITestOutputHelper output) : IClassFixture<TinyTextModel>
{
    [Fact]
    public void EveryTextTensorOfTheFixtureMatches()
    {
        var stopwatch = Stopwatch.StartNew();
        ParityReport report = ParityRunner.Compare(tiny.Model, tiny.Config, vision: null, tiny.Reference,
            ParityRunner.ReadSecondsPerGrid(Path.Combine(tiny.Directory, "reference.safetensors")), new ParityOptions());
        foreach (var r in report.Results) output.WriteLine(r.ToString());
        output.WriteLine($"language model parity run: {stopwatch.Elapsed.TotalSeconds:F1} s on {tiny.Backend.Name}");

        string[] expected = ["position_ids", "rope_deltas", "text.hidden0", "text.hidden1", "text.hidden2", "text.hidden3",
            "logits_last8", "logits_argmax", "greedy_new_tokens"];
        Assert.Equal(expected, report.Results.Select(r => r.Name).ToArray());
        Assert.All(report.Results, r => Assert.True(r.Passed, r.ToString()));
        Assert.Equal(1.0, report["position_ids"]!.MatchFraction);
        Assert.Equal(1.0, report["greedy_new_tokens"]!.MatchFraction);
        Assert.Contains("video_embeds", report.Skipped);
    }
}
