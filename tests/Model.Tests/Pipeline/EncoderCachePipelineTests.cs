// PruneVid.NET — the encoder cache in the pipeline: a hit skips the vision tower and answers exactly as a cold run.
using PruneVid.Runtime.Media;
using PruneVid.Runtime.Model.Text;
using PruneVid.Runtime.Pipeline;
using PruneVid.Tools.Demo;
using Xunit;

namespace PruneVid.Model.Tests.Pipeline;

public sealed class EncoderCachePipelineTests(PipelineFixture fixture) : IClassFixture<PipelineFixture>
{
    private VideoQaPipeline Load(int cacheMegabytes, PipelineOptions? options = null) => VideoQaPipeline.Load(fixture.ModelDirectory,
        (options ?? new PipelineOptions()) with { Device = DeviceKind.Cpu, TokenizerDirectory = fixture.TokenizerDirectory, EncoderCacheMegabytes = cacheMegabytes });

    private static (VideoQaResult Result, List<float[]> Logits) Run(VideoQaPipeline p, RgbFrames frames, double fps, string question)
    {
        var logits = new List<float[]>();
        var result = p.GenerateChat([ChatTurn.Ask(question, ChatPart.Video(frames, fps))], p.DefaultSampling(6) with { EosTokenIds = [] },
            control: new DecodeControl { OnLogits = row => logits.Add((float[])row.Clone()) });
        return (result, logits);
    }

    [Fact]
    public void AHitSkipsTheVisionTowerAndGivesBitIdenticalLogitsAndTokens()
    {
        using var cold = Load(0);
        using var cached = Load(64);
        Assert.Null(cold.EncoderCache);
        var (reference, referenceLogits) = Run(cold, fixture.Frames, fixture.FramesFps, fixture.Question);

        var (miss, missLogits) = Run(cached, fixture.Frames, fixture.FramesFps, fixture.Question);
        Assert.Equal((0, 1), (cached.EncoderCache!.Hits, cached.EncoderCache.Misses));
        Assert.True(miss.Timings.Vision > TimeSpan.Zero);
        var (hit, hitLogits) = Run(cached, fixture.Frames, fixture.FramesFps, "And what colour is it?");
        var (again, againLogits) = Run(cached, fixture.Frames, fixture.FramesFps, fixture.Question);
        Assert.Equal((2, 1), (cached.EncoderCache.Hits, cached.EncoderCache.Misses));
        Assert.Equal(TimeSpan.Zero, again.Timings.Vision); // the tower did not run
        Assert.Equal(TimeSpan.Zero, hit.Timings.Vision);

        Assert.Equal(reference.Tokens, miss.Tokens);
        Assert.Equal(reference.Tokens, again.Tokens);
        Assert.Equal(reference.PromptIds, again.PromptIds);
        Assert.Equal(referenceLogits.Count, againLogits.Count);
        for (int s = 0; s < referenceLogits.Count; s++)
        {
            Assert.Equal(referenceLogits[s], missLogits[s]);
            Assert.Equal(referenceLogits[s], againLogits[s]);
        }
        // The follow-up question is answered against the same video: same video tokens, other question.
        Assert.Equal(again.Compression.VisualTokensBefore, hit.Compression.VisualTokensBefore);
        Assert.NotEqual(again.PromptIds, hit.PromptIds);
    }

    [Fact]
    public void EveryStrategyOfOnePipelineSharesOneEncodingAndAnswersAsACacheFreeRun()
    {
        using var cold = Load(0);
        using var cached = Load(64);
        // visionzip and fastvid ask the tower for signals: encoding them with the shared one keeps later strategies hitting.
        using (cached.EncodeFrames(fixture.Frames, fixture.FramesFps, ["visionzip", "fastvid"])) { }
        Assert.Equal(1, cached.EncoderCache!.Misses);
        foreach (string strategy in new[] { "noop", "prunevid-stage1", "visionzip", "prunevid", "fastvid", "fastv", "noop" })
        {
            using var c = cold.WithStrategy(strategy);
            using var h = cached.WithStrategy(strategy);
            var (expected, expectedLogits) = Run(c, fixture.Frames, fixture.FramesFps, fixture.Question);
            var (actual, actualLogits) = Run(h, fixture.Frames, fixture.FramesFps, fixture.Question);
            Assert.Equal(expected.Tokens, actual.Tokens);
            Assert.Equal(expected.PromptIds, actual.PromptIds);
            Assert.Equal(expectedLogits[0], actualLogits[0]);
            Assert.Equal(TimeSpan.Zero, actual.Timings.Vision);
        }
        Assert.Equal(1, cached.EncoderCache.Misses);
        Assert.Equal(7, cached.EncoderCache.Hits);
    }

    [Fact]
    public void AnEncodingFromTheCacheServesOnlyTheSignalsTheCallerAskedFor()
    {
        using var cached = Load(64);
        using (cached.EncodeFrames(fixture.Frames, fixture.FramesFps, ["fastvid"])) { }
        using EncodedVideo plain = cached.EncodeFrames(fixture.Frames, fixture.FramesFps); // a hit on an entry that holds fastvid's signals
        Assert.Equal(1, cached.EncoderCache!.Hits);
        var e = Assert.ThrowsAny<ArgumentException>(() => cached.Answer(plain, fixture.Question, "fastvid"));
        Assert.Contains("name the strategy when encoding", e.Message);
    }

    [Fact]
    public void ADifferentFrameRateOrPixelBudgetIsAMiss()
    {
        using var cached = Load(64);
        Run(cached, fixture.Frames, fixture.FramesFps, fixture.Question);
        Run(cached, fixture.Frames, fixture.FramesFps * 2, fixture.Question);
        Assert.Equal((0, 2), (cached.EncoderCache!.Hits, cached.EncoderCache.Misses));

        var smaller = cached.Options.Preprocessing with { VideoMinPixels = 28 * 28 * 4, VideoMaxPixels = 28 * 28 * 8 };
        using var other = Load(64, new PipelineOptions { Preprocessing = smaller });
        Run(other, fixture.Frames, fixture.FramesFps, fixture.Question);
        Assert.Equal((0, 1), (other.EncoderCache!.Hits, other.EncoderCache.Misses));
    }

    [Fact]
    public async Task ASecondQuestionAboutAFileSkipsDecodingAndTheVisionTower()
    {
        string dir = Path.Combine(Path.GetTempPath(), "prunevid-cache-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string video = await SyntheticVideo.CreateAsync(Path.Combine(dir, "clip.mp4"), seconds: 2, width: 112, height: 84);
            var options = new PipelineOptions { Sampling = VideoSamplingOptions.Default with { Fps = 2 } };
            using var cold = Load(0, options);
            using var cached = Load(64, options);
            var sampling = cold.DefaultSampling(4) with { EosTokenIds = [] };
            VideoQaResult reference = await cold.GenerateAsync(video, fixture.Question, sampling);
            VideoQaResult miss = await cached.GenerateAsync(video, fixture.Question, sampling);
            VideoQaResult hit = await cached.GenerateAsync(video, fixture.Question, sampling);
            Assert.Equal((1, 1), (cached.EncoderCache!.Hits, cached.EncoderCache.Misses));
            Assert.True(miss.Timings.DecodeVideo > TimeSpan.Zero);
            Assert.Equal(TimeSpan.Zero, hit.Timings.DecodeVideo);
            Assert.Equal(TimeSpan.Zero, hit.Timings.Vision);
            Assert.Equal(reference.Tokens, miss.Tokens);
            Assert.Equal(reference.Tokens, hit.Tokens);
            Assert.Equal(reference.PromptIds, hit.PromptIds);

            // The eval path's entry point finds the same entry.
            using EncodedVideo encoded = await cached.EncodeVideoAsync(video);
            Assert.Equal(2, cached.EncoderCache.Hits);
            Assert.Equal(TimeSpan.Zero, encoded.VisionTime);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
