// PruneVid.NET — peer reducer tests.
using PruneVid.Compute;
using PruneVid.Kernels;
using PruneVid.Kernels.Cpu;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Strategies.Peers;
using Xunit;

namespace PruneVid.Strategies.Tests.Peers;

/// <summary>The defining behaviour of each peer reducer, and the inputs on which the official code crashes.</summary>
public sealed class PeerReducerTests
{
    private const int Channels = 12;

    [Fact]
    public void UniformFramesKeepsExactlyEveryStrideThStepWhole()
    {
        using var backend = new CpuBackend();
        var grid = new VideoGrid(7, 3, 4);
        VideoTokens video = TestVideos.Random(backend, grid, Channels, seed: 1);
        TokenReduction r = TokenReducerRegistry.Create("uniform-frames", "stride=3").Reduce(video, TestVideos.Context(Channels));

        int[] expected = new[] { 0, 3, 6 }.SelectMany(t => Enumerable.Range(t * 12, 12)).ToArray();
        Assert.Equal(expected.Select(i => video.Positions[i]), r.Positions);
        float[] input = TestVideos.Host(video.Embeddings), output = TestVideos.Host(r.Embeddings);
        Assert.Equal(expected.SelectMany(i => input.AsSpan(i * Channels, Channels).ToArray()), output);
        // A dropped token is covered by the same cell of the kept step before it.
        Assert.Contains(1 * 12 + 5, r.Provenance[5].ToArray());
    }

    /// <summary>
    /// Reducers that only select rows keep them on the device (GatherRows): the one upload is the row index, the only
    /// download is what the reducer scores (nothing for uniform-frames, the embeddings once for EVS), and the rows
    /// are the input's bit for bit.
    /// </summary>
    [Theory]
    [InlineData("uniform-frames", "stride=2", false)]
    [InlineData("evs", "pruning_rate=0.5", true)]
    [InlineData("dycoke", "dycoke_k=0.5", true)]
    public void SelectingPeersKeepRowsOnTheDeviceAndUploadOnlyTheirIndex(string name, string parameters, bool scoresOnTheHost)
    {
        using var backend = new IlgpuBackend(KernelRuntime.CreateCpu(), ownsRuntime: true);
        var grid = new VideoGrid(4, 3, 4);
        VideoTokens video = TestVideos.Random(backend, grid, Channels, seed: 4);
        float[] input = TestVideos.Host(video.Embeddings);
        CounterSnapshot before = backend.Counters.Snapshot();
        TokenReduction r = TokenReducerRegistry.Create(name, parameters).Reduce(video, TestVideos.Context(Channels));
        CounterSnapshot moved = backend.Counters.Snapshot() - before;

        Assert.InRange(r.Count, 1, grid.Tokens - 1);
        Assert.Equal((1L, 4L * r.Count), (moved.HostToDevice, moved.HostToDeviceBytes));
        Assert.Equal(scoresOnTheHost ? (1L, 4L * input.Length) : (0L, 0L), (moved.DeviceToHost, moved.DeviceToHostBytes));
        int[] rows = [.. Enumerable.Range(0, r.Count).Select(i => video.Positions.ToList().IndexOf(r.Positions[i]))];
        Assert.Equal(rows.SelectMany(i => input.AsSpan(i * Channels, Channels).ToArray()), TestVideos.Host(r.Embeddings));
    }

    /// <summary>
    /// VisionZip keeps its dominant and untouched contextual rows on the device and uploads only the merged rows:
    /// those are bit for bit the input's, the merged ones target + mean of their members.
    /// </summary>
    [Fact]
    public void VisionZipUploadsOnlyItsMergedRows()
    {
        using var backend = new IlgpuBackend(KernelRuntime.CreateCpu(), ownsRuntime: true);
        var reducer = (VisionZipReducer)TokenReducerRegistry.Create("visionzip", "dominant_ratio=0.2,contextual_ratio=0.05");
        VideoTokens video = TestVideos.WithRequestedSignals(TestVideos.Random(backend, new VideoGrid(4, 5, 5), Channels, seed: 3), reducer);
        float[] input = TestVideos.Host(video.Embeddings);
        CounterSnapshot before = backend.Counters.Snapshot();
        TokenReduction r = reducer.Reduce(video, TestVideos.Context(Channels));
        CounterSnapshot moved = backend.Counters.Snapshot() - before;

        int[] mergedOutputs = [.. Enumerable.Range(0, r.Count).Where(i => r.Provenance[i].Length > 1)];
        Assert.Equal(5, mergedOutputs.Length);
        Assert.Equal(4L * r.Count + (4L * Channels + 4) * mergedOutputs.Length, moved.HostToDeviceBytes);
        float[] output = TestVideos.Host(r.Embeddings);
        for (int i = 0; i < r.Count; i++)
        {
            int[] group = r.Provenance[i].ToArray();
            int target = group.Single(g => video.Positions[g] == r.Positions[i]);
            for (int ch = 0; ch < Channels; ch++)
            {
                float kept = input[target * Channels + ch];
                if (group.Length == 1) Assert.Equal(kept, output[i * Channels + ch]);
                else Assert.Equal(kept + group.Where(g => g != target).Average(m => (double)input[m * Channels + ch]), output[i * Channels + ch], 1e-5);
            }
        }
    }

    [Fact]
    public void RandomIsReproducibleBySeedAndKeepsTheFraction()
    {
        using var backend = new CpuBackend();
        VideoTokens video = TestVideos.Random(backend, new VideoGrid(8, 5, 5), Channels, seed: 2);
        TokenReduction a = TokenReducerRegistry.Create("random", "keep_ratio=0.3,seed=42").Reduce(video, TestVideos.Context(Channels));
        TokenReduction b = TokenReducerRegistry.Create("random", "keep_ratio=0.3,seed=42").Reduce(video, TestVideos.Context(Channels));
        TokenReduction c = TokenReducerRegistry.Create("random", "keep_ratio=0.3,seed=43").Reduce(video, TestVideos.Context(Channels));

        Assert.Equal(60, a.Count); // int(200 * 0.3)
        Assert.Equal(a.Positions, b.Positions);
        Assert.Equal(TestVideos.Host(a.Embeddings), TestVideos.Host(b.Embeddings));
        Assert.NotEqual(a.Positions, c.Positions);
        int[] kept = RandomTokensReducer.KeptIndices(200, 0.3, 42);
        Assert.Equal(kept.Order(), kept);
        Assert.Equal(60, kept.Distinct().Count());
    }

    [Fact]
    public void VisionZipKeepsTheDominantByScoreAndMergesEveryOtherTokenIntoOneContextualToken()
    {
        using var backend = new CpuBackend();
        var reducer = (VisionZipReducer)TokenReducerRegistry.Create("visionzip", "dominant_ratio=0.2,contextual_ratio=0.05");
        VideoTokens video = TestVideos.WithRequestedSignals(TestVideos.Random(backend, new VideoGrid(4, 5, 5), Channels, seed: 3), reducer);
        TokenReduction r = reducer.Reduce(video, TestVideos.Context(Channels));

        Assert.Equal(20 + 5, r.Count);
        float[] score = video.Signals.Get(reducer.VisionSignals[0]).ToArray();
        int[] topScores = Enumerable.Range(0, 100).OrderByDescending(i => score[i]).Take(20).Order().ToArray();
        var singles = Enumerable.Range(0, r.Count).Where(i => r.Provenance[i].Length == 1).Select(i => r.Provenance[i][0]).ToArray();
        Assert.Subset(singles.ToHashSet(), topScores.ToHashSet());
        var contextual = Enumerable.Range(0, r.Count).Where(i => !topScores.Contains(r.Provenance[i][0])).ToArray();
        Assert.Equal(5, contextual.Length);
        // Every non-dominant token is in exactly one contextual group; each contextual row is target + mean(members).
        var covered = contextual.SelectMany(i => r.Provenance[i].ToArray()).ToArray();
        Assert.Equal(Enumerable.Range(0, 100).Except(topScores).Order(), covered.Order());
        float[] input = TestVideos.Host(video.Embeddings), output = TestVideos.Host(r.Embeddings);
        foreach (int i in contextual)
        {
            int[] group = r.Provenance[i].ToArray();
            int target = group.Single(g => video.Positions[g] == r.Positions[i]);
            int[] merged = group.Where(g => g != target).ToArray();
            for (int ch = 0; ch < Channels; ch++)
            {
                double mean = merged.Length == 0 ? 0 : merged.Average(m => (double)input[m * Channels + ch]);
                Assert.Equal(input[target * Channels + ch] + mean, output[i * Channels + ch], 1e-5);
            }
        }
    }

    [Fact]
    public void VisionZipAsksForTheColumnSumsOfItsBlock()
    {
        var reducer = (VisionZipReducer)TokenReducerRegistry.Create("visionzip", "attention_block=-3");
        Assert.Equal([new VisionSignalRequest(VisionSignalKind.AttentionColumnSums, -3)], reducer.VisionSignals);
    }

    [Fact]
    public void DyCokeKeepsTheReferenceStepsWholeAndPrunesTheOthersAgainstTheirReference()
    {
        using var backend = new CpuBackend();
        var grid = new VideoGrid(9, 5, 5);
        VideoTokens video = TestVideos.Random(backend, grid, Channels, seed: 4);
        TokenReduction r = TokenReducerRegistry.Create("dycoke").Reduce(video, TestVideos.Context(Channels));

        int P = 25, keep = (int)((1.0 - 0.7) * P); // 7
        var perStep = r.Positions.GroupBy(p => (p.T - 5) / 2).ToDictionary(g => g.Key, g => g.Count());
        foreach (int t in new[] { 0, 4, 8 }) Assert.Equal(P, perStep[t]); // references (8: the unpaired last step)
        foreach (int t in new[] { 1, 2, 3, 5, 6, 7 }) Assert.Equal(keep, perStep[t]);

        // Step 1 keeps the tokens least similar to step 0; step 2 (a window's third step) is compared with step 0.
        float[] x = TestVideos.Host(video.Embeddings);
        int[] expected1 = LeastSimilar(x, 0, 1, P, keep), expected2 = LeastSimilar(x, 0, 2, P, keep);
        int[] kept = DyCokeReducer.KeptIndices(x, 9, P, Channels, 0.7);
        Assert.Equal(expected1, kept.Where(i => i / P == 1).ToArray());
        Assert.Equal(expected2, kept.Where(i => i / P == 2).ToArray());
    }

    private static int[] LeastSimilar(float[] x, int reference, int target, int P, int keep) => Enumerable.Range(0, P)
        .OrderBy(p => Cosine(x.AsSpan((reference * P + p) * Channels, Channels), x.AsSpan((target * P + p) * Channels, Channels)))
        .Take(keep).Select(p => target * P + p).Order().ToArray();

    private static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int c = 0; c < a.Length; c++) { dot += a[c] * (double)b[c]; na += a[c] * (double)a[c]; nb += b[c] * (double)b[c]; }
        return dot / Math.Sqrt(na * nb);
    }

    [Fact]
    public void EvsRejectsAPruningRateOfOneWithAMessage()
    {
        var error = Assert.Throws<TokenReducerConfigurationException>(() => TokenReducerRegistry.Create("evs", "pruning_rate=1"));
        Assert.Contains("pruning_rate", error.Message);
    }

    [Fact]
    public void EvsKeepsEverythingAtRateZeroAndStepZeroAtTheHighestRate()
    {
        float[] x = Enumerable.Range(0, 4 * 6 * 3).Select(i => MathF.Sin(i * 0.7f)).ToArray();
        Assert.Equal(Enumerable.Range(0, 24), EvsRetention.KeptIndices(x, 4, 6, 3, 0));
        Assert.Equal(Enumerable.Range(0, 6), EvsRetention.KeptIndices(x, 4, 6, 3, 0.99));
        Assert.Equal(69, EvsRetention.RetainCount(20, 35, 0.9)); // int(700 * 0.09999999999999998), not 70
    }

    [Fact]
    public void EvsGivesAnAllZeroTokenTheDissimilarityOne()
    {
        float[] x = [1, 2, 0, 0];
        Assert.Equal(1.0, EvsRetention.Dissimilarity(x, 2, 1, 2)[1]);
    }

    /// <summary>The inputs on which the official FastVID code raises (probed against it); the port runs them.</summary>
    public static TheoryData<string, int, int, int, string> OfficialCrashes() => new()
    {
        { "T < c", 4, 6, 6, "" },
        { "T = 1", 1, 6, 6, "" },
        { "c = 1 and no similarity below tau", 6, 6, 6, "dyseg_c=1,dyseg_tau=0" },
        { "fewer than 4 tokens left for the density", 8, 2, 2, "retention_ratio=0.9" },
        { "frame budget 1: no salient token", 8, 2, 2, "" },
        { "frame budget 0", 8, 3, 3, "retention_ratio=0.1" },
    };

    [Theory]
    [MemberData(nameof(OfficialCrashes))]
    public void FastVidRunsWhereTheOfficialCodeCrashes(string input, int t, int h, int w, string parameters)
    {
        using var backend = new CpuBackend();
        var reducer = TokenReducerRegistry.Create("fastvid", parameters);
        VideoTokens video = TestVideos.WithRequestedSignals(TestVideos.Random(backend, new VideoGrid(t, h, w), Channels, seed: t + h), reducer);
        TokenReduction r = reducer.Reduce(video, TestVideos.Context(Channels));
        Assert.InRange(r.Count, 1, video.Count);

        FastVidOptions o = ((FastVidReducer)reducer).Options;
        float[] x = TestVideos.Host(video.Embeddings);
        FastVidResult result = FastVidAlgorithm.Run(x, video.Signals.Get(VisionSignalRequest.LastBlockSaliency), t, h * w, Channels, FastVidSettings.From(o));
        Assert.Equal(t, result.SegmentSizes.Sum());
        Assert.All(result.SalientPerStep, s => Assert.True(s >= 0, $"{input}: negative salient budget"));
        if (input.StartsWith("T = 1", StringComparison.Ordinal) || input.StartsWith("c = 1", StringComparison.Ordinal))
            Assert.Equal([t], result.SegmentSizes);
        if (input == "T < c") Assert.Equal(3, result.Cuts.Length); // k = min(c - 1, T - 1): every gap cut
    }

    [Fact]
    public void FastVidWithoutTheSaliencySaysWhatIsMissing()
    {
        using var backend = new CpuBackend();
        VideoTokens video = TestVideos.Random(backend, new VideoGrid(2, 3, 3), Channels, seed: 5);
        var error = Assert.Throws<InvalidOperationException>(() => TokenReducerRegistry.Create("fastvid").Reduce(video, TestVideos.Context(Channels)));
        Assert.Contains("FrameSaliency", error.Message);
        Assert.Contains("IRequestsVisionSignals", error.Message);
    }
}
