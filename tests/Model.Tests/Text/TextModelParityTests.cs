// PruneVid.NET — language model tests: parity with the HF reference activations.
using System.Diagnostics;
using PruneVid.Kernels.Cpu;
using PruneVid.Tools.Parity;
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

    [Fact]
    public void FullModelWithTheVisionTowerMatchesEveryTensor()
    {
        var stopwatch = Stopwatch.StartNew();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        ParityReport report = ParityRunner.Run(new CpuBackend(), tiny.Directory, Path.Combine(tiny.Directory, "reference.safetensors"),
            new ParityOptions { CreateVision = VisionEncoderStage.Create });
        foreach (var r in report.Results) output.WriteLine(r.ToString());
        output.WriteLine($"vision + language, prefill + 12 greedy tokens: {stopwatch.Elapsed.TotalSeconds:F1} s wall "
            + $"({(Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds:F1} s CPU, shared machine) on cpu");

        Assert.Empty(report.Skipped);
        Assert.Equal(15, report.Results.Count); // patch_embed, 4 blocks, video_embeds, positions, delta, 4 hidden, 3 logits/tokens
        Assert.All(report.Results, r => Assert.True(r.Passed, r.ToString()));
    }
}
