// PruneVid.NET — PruneVid Stage 1 tests.
using PruneVid.Kernels.Cpu;
using PruneVid.Strategies.Stage1;
using Xunit;

namespace PruneVid.Strategies.Tests.Stage1;

/// <summary>The Stage-1 reducer around the algorithm: positions, metadata, logging and the clamped edge cases.</summary>
public sealed class Stage1ReducerTests
{
    private static PruneVidStage1Reducer Reducer(string parameters = "dpc_knn_k=7") =>
        (PruneVidStage1Reducer)TokenReducerRegistry.Create("prunevid-stage1", parameters);

    [Fact]
    public void VerboseWritesTheReferenceSummaryLineToTheLog()
    {
        // 8 frames x 8x8 fully dynamic tokens: each frame's 64 tokens merge into floor(64 * 0.5) = 32.
        using var backend = new CpuBackend();
        var grid = new VideoGrid(8, 8, 8);
        float[] data = new float[grid.Tokens * 16];
        var rng = new Random(11);
        for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
        var video = new VideoTokens(backend.FromF32(data, grid.Tokens, 16), grid, TestVideos.RasterPositions(grid));
        var lines = new List<string>();

        TokenReduction r = Reducer("dpc_knn_k=7,verbose=true").Reduce(video, TestVideos.Context(16, lines.Add));

        Assert.Equal(256, r.Count);
        Assert.Equal(["[Stage 1] Tokens: 512 -> 256 (50.0% reduction)"], lines);
    }

    [Fact]
    public void QuietByDefault()
    {
        using var backend = new CpuBackend();
        VideoTokens video = TestVideos.Random(backend, new VideoGrid(4, 4, 4), 8, seed: 2);
        var lines = new List<string>();
        Reducer().Reduce(video, TestVideos.Context(8, lines.Add));
        Assert.Empty(lines);
    }

    [Fact]
    public void OutputMatchesTheAlgorithmAndTakesRepresentativePositions()
    {
        using var backend = new CpuBackend();
        var grid = new VideoGrid(6, 4, 5);
        VideoTokens video = TestVideos.Random(backend, grid, 8, seed: 5);
        float[] input = TestVideos.Host(video.Embeddings);
        Stage1Result expected = Stage1Algorithm.Run(input, 6, 20, 8, new Stage1Settings(0.8, 0.5, 0.25, 7));

        TokenReduction r = Reducer().Reduce(video, TestVideos.Context(8));

        Assert.Equal(expected.Features, TestVideos.Host(r.Embeddings));
        Assert.Equal(expected.Representatives.Select(i => video.Positions[i]), r.Positions);
        Assert.Equal(expected.Segments, r.Segments);
    }

    [Fact]
    public void StaticTokensTakeTheFirstFrameOfTheirSegmentAndDynamicTokensTheirOwnFrame()
    {
        using var backend = new CpuBackend();
        var grid = new VideoGrid(8, 3, 3);
        // Frames 0-3 and 4-7 are two scenes; position 0 never changes (static), the others are noise (dynamic).
        var rng = new Random(9);
        int c = 6;
        float[] data = new float[grid.Tokens * c];
        for (int t = 0; t < 8; t++)
            for (int p = 0; p < 9; p++)
                for (int ch = 0; ch < c; ch++)
                    data[((t * 9) + p) * c + ch] = p == 0 ? 1f + ch + (t < 4 ? 0 : 10) : (float)(rng.NextDouble() * 2 - 1);
        var positions = TestVideos.RasterPositions(grid, temporalStep: 3);
        var video = new VideoTokens(backend.FromF32(data, grid.Tokens, c), grid, positions);

        TokenReduction r = Reducer().Reduce(video, TestVideos.Context(c));

        Assert.Equal([(0, 4), (4, 4)], r.Segments.Select(s => (s.FirstFrame, s.Frames)));
        foreach (TokenSegment s in r.Segments)
        {
            Assert.Equal(1, s.StaticTokens);
            Assert.Equal(8, s.DynamicTokensPerFrame); // 8 dynamic tokens per frame: at most 14, kept as they are
            Assert.Equal(new TokenPosition(s.FirstFrame * 3, 0, 0), r.Positions[s.OutputStart]);
            Assert.Equal(Enumerable.Range(s.FirstFrame, 4).Select(t => t * 9), r.Provenance[s.OutputStart].ToArray());
            for (int f = 0; f < s.Frames; f++)
                for (int j = 0; j < 8; j++)
                    Assert.Equal((s.FirstFrame + f) * 3, r.Positions[s.OutputStart + 1 + f * 8 + j].T);
        }
    }

    [Fact]
    public void OneFrameIsOneDynamicSegmentWithSpatialMergeOnly()
    {
        using var backend = new CpuBackend();
        VideoTokens video = TestVideos.Random(backend, new VideoGrid(1, 4, 5), 8, seed: 4);
        TokenReduction r = Reducer().Reduce(video, TestVideos.Context(8));
        TokenSegment s = Assert.Single(r.Segments);
        Assert.Equal((0, 1, 0, 10), (s.FirstFrame, s.Frames, s.StaticTokens, s.DynamicTokensPerFrame));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void ShortClipsClampTheTemporalClustersAndK(int frames)
    {
        // floor(T * 0.25) = 0 temporal clusters and k = 7 > T would fail in the official code.
        using var backend = new CpuBackend();
        VideoTokens video = TestVideos.Random(backend, new VideoGrid(frames, 2, 2), 4, seed: frames);
        TokenReduction r = Reducer().Reduce(video, TestVideos.Context(4));
        TokenSegment s = Assert.Single(r.Segments);
        Assert.Equal(frames, s.Frames);
    }

    [Fact]
    public void DuplicateTokensMergeDeterministically()
    {
        // All 16 tokens of the frame identical: every density and distance ties; the result must not depend on chance.
        using var backend = new CpuBackend();
        var grid = new VideoGrid(1, 4, 4);
        float[] data = Enumerable.Repeat(0.5f, 16 * 4).ToArray();
        var video = new VideoTokens(backend.FromF32(data, 16, 4), grid, TestVideos.RasterPositions(grid));
        TokenReduction a = Reducer().Reduce(video, TestVideos.Context(4));
        TokenReduction b = Reducer().Reduce(video, TestVideos.Context(4));
        Assert.Equal(8, a.Count);
        Assert.Equal(a.Positions, b.Positions);
        // Ties go to the lowest index: centres are tokens 0..7 in order, and every token joins centre 0 (first minimum).
        Assert.Equal(Enumerable.Range(0, 8).Select(i => new TokenPosition(0, i / 4, i % 4)), a.Positions);
        Assert.Equal([0, 8, 9, 10, 11, 12, 13, 14, 15], a.Provenance[0].ToArray());
    }

    [Fact]
    public void AlgorithmRejectsAWrongFeatureCount()
    {
        var e = Assert.Throws<ArgumentException>(() => Stage1Algorithm.Run(new float[10], 2, 2, 3, new Stage1Settings(0.8, 0.5, 0.25, 7)));
        Assert.Contains("2x2x3 = 12 values, got 10", e.Message);
    }
}
