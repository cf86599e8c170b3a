// PruneVid.NET — media tests.
using PruneVid.Runtime.Media;
using Xunit;

namespace PruneVid.Runtime.Tests.Media;

/// <summary>qwen-vl-utils' smart_nframes, linspace indices and pixel budget, against hand-computed values.</summary>
public class FrameSamplerTests
{
    [Theory]
    // total frames, video fps, sampling fps, expected count
    [InlineData(300, 30.0, 2.0, 20)]     // 10 s → 20
    [InlineData(30, 10.0, 2.0, 6)]
    [InlineData(25, 25.0, 2.0, 4)]       // 1 s → 2, raised to min_frames 4
    [InlineData(5, 25.0, 2.0, 4)]        // min 4 ≤ 5 frames
    [InlineData(3, 25.0, 2.0, 2)]        // max_frames = floor2(3) = 2
    [InlineData(100_000, 30.0, 2.0, 768)] // capped at max_frames
    [InlineData(301, 30.0, 1.0, 10)]     // 10.03 → floor to even 10
    public void FrameCountFollowsSmartNframes(int total, double fps, double sampleFps, int expected) =>
        Assert.Equal(expected, FrameSampler.FrameCount(new VideoSamplingOptions { Fps = sampleFps }, total, fps));

    [Fact]
    public void ExplicitFrameCountIsRoundedToEvenHalfToEven()
    {
        Assert.Equal(8, FrameSampler.FrameCount(new VideoSamplingOptions { FrameCount = 9 }, 100, 25)); // 4.5 → 4
        Assert.Equal(12, FrameSampler.FrameCount(new VideoSamplingOptions { FrameCount = 11 }, 100, 25)); // 5.5 → 6
    }

    [Theory]
    [InlineData(0, 29, 6, new[] { 0, 6, 12, 17, 23, 29 })]
    [InlineData(0, 9, 4, new[] { 0, 3, 6, 9 })]
    [InlineData(0, 3, 6, new[] { 0, 1, 1, 2, 2, 3 })]  // 0.6 → 1, 1.2 → 1, 1.8 → 2, 2.4 → 2
    [InlineData(0, 7, 3, new[] { 0, 4, 7 })]           // 3.5 is a tie: half-to-even gives 4
    [InlineData(0, 5, 3, new[] { 0, 2, 5 })]           // 2.5 → 2
    public void IndicesRoundAFloatLinspaceHalfToEven(int start, int end, int n, int[] expected) =>
        Assert.Equal(expected, FrameSampler.Indices(start, end, n));

    [Fact]
    public void FrameRangeUsesCeilForStartAndFloorForEnd()
    {
        Assert.Equal((10, 20, 11), FrameSampler.FrameRange(30, 10, 1.0, 2.0));
        Assert.Equal((4, 29, 26), FrameSampler.FrameRange(30, 10, 0.31, null));
        Assert.Equal((0, 29, 30), FrameSampler.FrameRange(30, 10, null, null));
    }

    [Fact]
    public void PixelBudgetShrinksFramesAsTheCountGrows()
    {
        // 720p: 16 frames stay under 768·28² per frame (560x1008); 768 frames share 90,316,800 pixels: 235,200 per frame.
        Assert.Equal((560, 1008), FrameSampler.TargetSize(720, 1280, 16, VideoSamplingOptions.Default));
        var (h, w) = FrameSampler.TargetSize(720, 1280, 768, VideoSamplingOptions.Default);
        Assert.True(h * w <= 235_200, $"{h}x{w}");
        Assert.Equal((336, 644), (h, w)); // beta = sqrt(921600 / 235200): floor(720/beta/28)·28, floor(1280/beta/28)·28
    }
}
