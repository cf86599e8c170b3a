// PruneVid.NET — pipeline tests: end to end on the tiny fixture model against the HF reference.
using PruneVid.Runtime.Config;
using PruneVid.Runtime.Pipeline;
using PruneVid.Strategies;
using Xunit;

namespace PruneVid.Model.Tests.Pipeline;

public sealed class PipelineEndToEndTests(PipelineFixture fixture) : IClassFixture<PipelineFixture>
{
    private const int VideoTokens = 540; // t·h·w/4 of the fixture's (4, 18, 30) grid

    [Fact]
    public void FramesAndQuestionGiveTheReferencePromptAndGreedyTokens()
    {
        var p = fixture.Pipeline;
        var sampling = p.DefaultSampling(fixture.GreedyTokens.Length) with { EosTokenIds = [] };
        VideoQaResult result = p.GenerateFromFrames(fixture.Frames, fixture.FramesFps, fixture.Question, sampling);

        Assert.Equal(fixture.InputIds, result.PromptIds);
        Assert.Equal(fixture.GreedyTokens, result.Tokens);
        Assert.Equal(VideoTokens, result.Compression.VisualTokensBefore);
        Assert.Equal(VideoTokens, result.Compression.PromptVisualTokens);
        Assert.Equal(100.0, result.Compression.RetentionPercent);
        Assert.Equal(fixture.GreedyTokens.Length - 1, result.Timings.DecodedTokens);
    }

    [Fact]
    public void Stage1ReducesTheFixtureVideoReportsItAndStillGenerates()
    {
        using var stage1 = fixture.Pipeline.WithStrategy("prunevid-stage1");
        int logged = fixture.Log.Count;
        var result = stage1.GenerateFromInputs(fixture.InputIds, fixture.Inputs, sampling: stage1.DefaultSampling(4) with { EosTokenIds = [] });

        int kept = result.Compression.PromptVisualTokens;
        Assert.InRange(kept, 1, VideoTokens - 1);
        Assert.Equal(fixture.InputIds.Length - VideoTokens + kept, result.PromptIds.Count);
        Assert.Equal(kept, result.PromptIds.Count(id => id == stage1.Config.VideoTokenId));
        Assert.Equal(4, result.Tokens.Count);
        string[] lines;
        lock (fixture.Log) lines = [.. fixture.Log.Skip(logged)];
        Assert.Contains(lines, l => l.StartsWith($"[Stage 1] Tokens: {VideoTokens} -> {kept} (", StringComparison.Ordinal));
    }

    [Fact]
    public void PerCallParametersChangeTheReductionWithoutRebuilding()
    {
        using var stage1 = fixture.Pipeline.WithStrategy("prunevid-stage1");
        var sampling = stage1.DefaultSampling(1);
        int loose = stage1.GenerateFromInputs(fixture.InputIds, fixture.Inputs, "cluster_ratio=0.7", sampling).Compression.PromptVisualTokens;
        int tight = stage1.GenerateFromInputs(fixture.InputIds, fixture.Inputs, "cluster_ratio=0.3", sampling).Compression.PromptVisualTokens;
        Assert.True(tight < loose, $"cluster_ratio 0.3 kept {tight} tokens, 0.7 kept {loose}");
    }

    [Fact]
    public async Task AnImageQuestionPlacesOnePlaceholderPerImageTokenAndGenerates()
    {
        string dir = Directory.CreateTempSubdirectory("prunevid-image-").FullName;
        try
        {
            string png = Path.Combine(dir, "pattern.png");
            var ffmpeg = System.Diagnostics.Process.Start("ffmpeg", ["-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=112x84", "-frames:v", "1", png])!;
            await ffmpeg.WaitForExitAsync();
            Assert.Equal(0, ffmpeg.ExitCode);

            var p = fixture.Pipeline;
            var result = await p.GenerateFromImageAsync(png, "What shapes are there?", p.DefaultSampling(3) with { EosTokenIds = [] });
            // 112x84 is already a multiple of 28: a (1, 6, 8) patch grid -> 12 merged tokens.
            Assert.Equal(12, result.PromptIds.Count(id => id == p.Config.ImageTokenId));
            Assert.Equal(0, result.PromptIds.Count(id => id == p.Config.VideoTokenId));
            Assert.Equal(3, result.Tokens.Count);
            Assert.Equal(12, result.Compression.PromptVisualTokens);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void BadRequestsFailWithMessagesNamingTheProblem()
    {
        var ex = Assert.Throws<TokenReducerConfigurationException>(() => fixture.Pipeline.WithStrategy("no-such-reducer"));
        Assert.Contains("no-such-reducer", ex.Message);
        Assert.Contains("prunevid-stage1", ex.Message);

        var range = Assert.ThrowsAny<Exception>(() => fixture.Pipeline.WithStrategy("prunevid-stage1", "tau=1.5"));
        Assert.Contains("tau", range.Message);

        int[] shortPrompt = [.. fixture.InputIds.Where((id, i) => id != fixture.Pipeline.Config.VideoTokenId || i % 2 == 0)];
        var mismatch = Assert.Throws<ArgumentException>(() => fixture.Pipeline.GenerateFromInputs(shortPrompt, fixture.Inputs));
        Assert.Contains("<|video_pad|>", mismatch.Message);

        Assert.Throws<DirectoryNotFoundException>(() => VideoQaPipeline.Load(Path.Combine(Path.GetTempPath(), "no-such-model-" + Guid.NewGuid())));
        var noTokenizer = Assert.Throws<FileNotFoundException>(() => VideoQaPipeline.Load(fixture.ModelDirectory, new PipelineOptions { Device = DeviceKind.Cpu }));
        Assert.Contains("tokenizer", noTokenizer.Message);
    }

    [Fact]
    public void AMissingConfigFieldIsNamed()
    {
        string dir = Directory.CreateTempSubdirectory("prunevid-config-").FullName;
        try
        {
            string json = File.ReadAllText(Path.Combine(fixture.ModelDirectory, "config.json")).Replace("\"window_size\": 112,", "");
            File.WriteAllText(Path.Combine(dir, "config.json"), json);
            var ex = Assert.Throws<ConfigException>(() => VideoQaPipeline.Load(dir, new PipelineOptions { Device = DeviceKind.Cpu, TokenizerDirectory = fixture.TokenizerDirectory }));
            Assert.Contains("window_size", ex.Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}
