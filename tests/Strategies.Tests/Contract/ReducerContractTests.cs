// PruneVid.NET — reducer contract tests.
using PruneVid.Kernels.Cpu;
using Xunit;

namespace PruneVid.Strategies.Tests.Contract;

/// <summary>
/// What every registered reducer must do (reflected over the registry, so a new reducer is covered without writing
/// a test): as many output tokens as placeholders, every output position a real input position of a token it covers,
/// provenance covering every input token exactly once, and the empty / one-frame / one-token edge cases.
/// </summary>
public sealed class ReducerContractTests
{
    private const int Channels = 12;

    /// <summary>Every registered reducer name.</summary>
    public static TheoryData<string> Reducers()
    {
        var data = new TheoryData<string>();
        foreach (TokenReducerDescriptor d in TokenReducerRegistry.All) data.Add(d.Name);
        return data;
    }

    /// <summary>Grids: clustering in play (more than 14 tokens per frame), one frame, one token, a short clip, none.</summary>
    public static TheoryData<string, int, int, int> Cases()
    {
        var data = new TheoryData<string, int, int, int>();
        foreach (TokenReducerDescriptor d in TokenReducerRegistry.All)
        {
            data.Add(d.Name, 8, 4, 5);
            data.Add(d.Name, 3, 2, 3);
            data.Add(d.Name, 1, 4, 6);
            data.Add(d.Name, 1, 1, 1);
            data.Add(d.Name, 2, 1, 1);
            data.Add(d.Name, 0, 4, 4);
        }
        return data;
    }

    [Fact]
    public void RegistryHoldsTheBuiltInReducers()
    {
        string[] names = TokenReducerRegistry.All.Select(d => d.Name).ToArray();
        Assert.Contains("noop", names);
        Assert.Contains("prunevid-stage1", names);
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ReducerHonoursTheContract(string name, int t, int h, int w)
    {
        using var backend = new CpuBackend();
        var grid = new VideoGrid(t, h, w);
        ITokenReducer reducer = TokenReducerRegistry.Create(name);
        VideoTokens video = TestVideos.WithRequestedSignals(TestVideos.Random(backend, grid, Channels, seed: t * 100 + h * 10 + w), reducer);

        TokenReduction result = reducer.Reduce(video, TestVideos.Context(Channels));

        // One placeholder per output token: the counts of every part agree.
        Assert.Equal([result.Count, Channels], result.Embeddings.Shape);
        Assert.Equal(result.Count, result.Positions.Count);
        Assert.Equal(result.Count, result.Provenance.Count);
        Assert.InRange(result.Count, Math.Min(1, grid.Tokens), grid.Tokens);

        // Provenance: every input token exactly once.
        int[] covered = new int[grid.Tokens];
        for (int i = 0; i < result.Count; i++)
        {
            Assert.False(result.Provenance[i].IsEmpty, $"output token {i} covers no input token");
            foreach (int source in result.Provenance[i]) covered[source]++;
        }
        Assert.All(covered, c => Assert.Equal(1, c));

        // Positions are original ids of a token the output covers (kept tokens keep theirs; nothing renumbered).
        for (int i = 0; i < result.Count; i++)
        {
            var candidates = result.Provenance[i].ToArray().Select(s => video.Positions[s]).ToArray();
            Assert.Contains(result.Positions[i], candidates);
        }

        // Segments, when reported, tile the output.
        if (result.Segments.Count > 0)
        {
            Assert.Equal(result.Count, result.Segments.Sum(s => s.Tokens));
            Assert.Equal(grid.T, result.Segments.Sum(s => s.Frames));
        }
    }

    [Theory]
    [MemberData(nameof(Reducers))]
    public void ReducerDoesNotTouchItsInput(string name)
    {
        using var backend = new CpuBackend();
        ITokenReducer reducer = TokenReducerRegistry.Create(name);
        VideoTokens video = TestVideos.WithRequestedSignals(TestVideos.Random(backend, new VideoGrid(4, 4, 4), Channels, seed: 7), reducer);
        float[] before = TestVideos.Host(video.Embeddings);
        reducer.Reduce(video, TestVideos.Context(Channels));
        Assert.Equal(before, TestVideos.Host(video.Embeddings));
    }

    [Fact]
    public void NoopReturnsTheInputTensorAndPositions()
    {
        using var backend = new CpuBackend();
        VideoTokens video = TestVideos.Random(backend, new VideoGrid(3, 4, 5), Channels, seed: 3);
        TokenReduction result = TokenReducerRegistry.Create("noop").Reduce(video, TestVideos.Context(Channels));
        Assert.Same(video.Embeddings, result.Embeddings);
        Assert.Equal(video.Positions, result.Positions);
        for (int i = 0; i < video.Count; i++) Assert.Equal([i], result.Provenance[i].ToArray());
    }

    [Fact]
    public void VideoTokensRejectsMismatchedCounts()
    {
        using var backend = new CpuBackend();
        var grid = new VideoGrid(2, 2, 2);
        var embeddings = backend.FromF32(new float[7 * 3], 7, 3);
        var error = Assert.Throws<ArgumentException>(() => new VideoTokens(embeddings, grid, TestVideos.RasterPositions(grid)));
        Assert.Contains("7 rows", error.Message);
    }

    [Fact]
    public void TokenReductionRejectsPositionsThatDoNotMatchTheTokens()
    {
        using var backend = new CpuBackend();
        var embeddings = backend.FromF32(new float[4 * 2], 4, 2);
        var error = Assert.Throws<ArgumentException>(() =>
            new TokenReduction(embeddings, new TokenPosition[3], TokenProvenance.Identity(4)));
        Assert.Contains("3 positions for 4", error.Message);
    }
}
