// PruneVid.NET — pipeline on a long video.
using PruneVid.Tools.Demo;
using PruneVid.Runtime.Errors;
using PruneVid.Runtime.Pipeline;
using PruneVid.Runtime.Preprocessing;
using PruneVid.Runtime.Tests.Checkpoint;
using PruneVid.Runtime.Tests.Errors;
using PruneVid.Runtime.Tests.Media;
using Xunit;

namespace PruneVid.Runtime.Tests.Pipeline;

/// <summary>
/// A three-minute clip goes through the whole pipeline (decode at 2 fps: 360 frames, vision tower, reducer,
/// generation) on the demo's tiny model. Frames are kept at one 28x28 patch unit so the test takes seconds.
/// </summary>
public sealed class LongVideoPipelineTests(LongClips clips) : IClassFixture<LongClips>
{
    [Theory]
    [InlineData("noop")]
    [InlineData("prunevid-stage1")]
    public async Task ThreeMinuteClipIsAnswered(string strategy)
    {
        using var folder = new TempDirectory("prunevid-long-run-");
        string model = TinyModelFolder.Create(folder.File("model"), seed: 3);
        using var pipeline = VideoQaPipeline.Load(model, new PipelineOptions
        {
            Device = DeviceKind.Cpu,
            Strategy = strategy,
            Sampling = LongVideoTests.Small,
            Preprocessing = VisionPreprocessorOptions.Default with { VideoMinPixels = 28 * 28, VideoMaxPixels = 28 * 28 },
        });
        var result = await pipeline.GenerateAsync(clips.ThreeMinutes, "What happens in this video?", pipeline.DefaultSampling(4) with { EosTokenIds = [] });

        Assert.Equal(4, result.Tokens.Count);
        // 360 sampled frames → 180 temporal patches of one merged 28x28 token each.
        Assert.Equal(180, result.Compression.VisualTokensBefore);
        Assert.InRange(result.Compression.PromptVisualTokens, 1, 180);
        if (strategy == "noop") Assert.Equal(180, result.Compression.PromptVisualTokens);
        Assert.Equal(result.Compression.PromptVisualTokens, result.PromptIds.Count(id => id == pipeline.Config.VideoTokenId));
    }

    [Fact]
    public async Task EmptyQuestionAndBadSamplingAreRefusedInASentenceBeforeDecoding()
    {
        using var folder = new TempDirectory("prunevid-long-q-");
        string model = TinyModelFolder.Create(folder.File("model"), seed: 3);
        using var pipeline = VideoQaPipeline.Load(model, new PipelineOptions { Device = DeviceKind.Cpu, Sampling = LongVideoTests.Small });
        var e = await Assert.ThrowsAsync<ArgumentException>(() => pipeline.GenerateAsync(clips.Sixty, "  "));
        string message = UserMessages.Describe(e);
        UserMessagesTests.AssertClean(message);
        Assert.Contains("question is empty", message);

        // Bad decoding settings are refused before the video is decoded (the file here does not even exist).
        var bad = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            pipeline.GenerateAsync(folder.File("missing.mp4"), "What?", pipeline.DefaultSampling() with { MaxNewTokens = -1 }));
        Assert.Equal("MaxNewTokens: must be non-negative (got -1)", UserMessages.Describe(bad));
    }
}
