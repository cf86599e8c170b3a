// PruneVid.NET — pipeline tests: the peer reducers through the whole pipeline on the tiny fixture model.
using PruneVid.Runtime.Pipeline;
using Xunit;

namespace PruneVid.Model.Tests.Pipeline;

/// <summary>
/// Reducers that score with vision signals (FastVID's saliency, VisionZip's column sums) get them from the pipeline's
/// encode, and every peer reduces the fixture video, places one placeholder per kept token and still generates.
/// </summary>
public sealed class PeerPipelineTests(PipelineFixture fixture) : IClassFixture<PipelineFixture>
{
    private const int VideoTokens = 540; // t·h·w/4 of the fixture's (4, 18, 30) grid

    [Theory]
    [InlineData("fastvid", 4 * 36)]             // T = 4 < c: every step its own segment, int(135 · 0.27) = 36 each (22 salient + 14 context)
    [InlineData("visionzip", 50 + 9)]           // int(540 · 0.09375) dominant + int(540 · 0.01736) contextual
    [InlineData("evs", 135)]                    // max(135, int(540 · 0.25))
    [InlineData("uniform-frames", 270)]         // steps 0 and 2
    [InlineData("dycoke", 135 * 2 + 40 * 2)]    // steps 0, 2 whole (T − 4 = 0: no window re-pruning); 1, 3 keep int(0.3 · 135)
    [InlineData("random", 270)]
    public void PeerReducesTheFixtureVideoAndGenerates(string name, int expectedKept)
    {
        using var pipeline = fixture.Pipeline.WithStrategy(name);
        var result = pipeline.GenerateFromInputs(fixture.InputIds, fixture.Inputs, sampling: pipeline.DefaultSampling(2) with { EosTokenIds = [] });

        Assert.Equal(VideoTokens, result.Compression.VisualTokensBefore);
        Assert.Equal(expectedKept, result.Compression.PromptVisualTokens);
        Assert.Equal(expectedKept, result.PromptIds.Count(id => id == pipeline.Config.VideoTokenId));
        Assert.Equal(2, result.Tokens.Count);
    }
}
