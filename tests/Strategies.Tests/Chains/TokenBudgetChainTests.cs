// PruneVid.NET — strategy spec tests: token budgets on synthetic tokens.
using PruneVid.Compute;

using PruneVid.Kernels.Cpu;
using PruneVid.Strategies.FastV;
using PruneVid.Strategies.Stage1;
using PruneVid.Strategies.Stage2;
using Xunit;

namespace PruneVid.Strategies.Tests.Chains;

/// <summary>retention=R in a spec or a parameter string, the names of sweep pairs, and how a chain splits a budget.</summary>
public sealed class TokenBudgetChainTests
{
    private const int Channels = 12;

    [Fact]
    public void RetentionIsTheChainsBudgetNotAStageParameter()
    {
        var spec = StrategySpec.Parse("prunevid(retention=0.25)");
        Assert.Equal(0.25, spec.Retention);
        Assert.All(spec.Stages, s => Assert.DoesNotContain(s.Parameters, p => p.Key == "retention"));
        Assert.Equal(0.5, StrategySpec.Parse("fastv").CreateChain("ratio=0.1,retention=0.5").Retention);
        Assert.Equal(0.1, StrategySpec.Parse("fastv(retention=0.5)").CreateChain(retention: 0.1).Retention); // the explicit budget wins
        var twice = Assert.Throws<TokenReducerConfigurationException>(() => StrategySpec.Parse("prunevid-stage1(retention=0.2)+fastv(retention=0.3)"));
        Assert.Contains("a chain has one budget", twice.Message);
    }

    [Theory]
    [InlineData("fastv", "fastv(retention=0.25)")]
    [InlineData("prunevid-stage2(alpha=0.3)", "prunevid-stage2(alpha=0.3,retention=0.25)")]
    [InlineData("prunevid-stage1:aggressive+fastv", "prunevid-stage1:aggressive+fastv(retention=0.25)")]
    public void SweepPairsAreNamedBySpecAndMapBackToTheirStrategy(string strategy, string pair)
    {
        Assert.Equal(pair, StrategySpec.WithRetention(strategy, 0.25));
        Assert.Equal(strategy, StrategySpec.WithoutRetention(pair));
        Assert.Equal(0.25, StrategySpec.Parse(pair).Retention);
    }

    [Fact]
    public void AChainSplitsTheBudgetEvenlyAndItsLastKnobMeetsIt()
    {
        using var backend = new CpuBackend();
        VideoTokens video = TestVideos.Random(backend, new VideoGrid(8, 4, 5), Channels, seed: 3);
        var log = new List<string>();
        var context = new ReductionContext(new ReducerModelInfo(Channels, LanguageModelLayers: 4), log.Add);
        var chain = StrategySpec.Parse("prunevid-stage1+fastv").CreateChain(retention: 0.25);
        var (result, counts) = chain.Run(video, context);

        // Stage 1 aims at sqrt(0.25) = 50% of its input (bisection on cluster_ratio: the closest count it can reach).
        int stage1 = Assert.Single(counts).TokensAfter;
        var closest = Enumerable.Range(1, 100).Select(i => i / 100.0)
            .Select(r => new PruneVidStage1Reducer { Options = new() { ClusterRatio = r } }.Reduce(video, context).Count)
            .MinBy(c => Math.Abs(c - video.Count / 2));
        Assert.True(Math.Abs(stage1 - video.Count / 2) <= Math.Abs(closest - video.Count / 2), $"stage 1 kept {stage1}, {closest} was reachable");
        Assert.Equal(stage1, result.Count);

        // FastV then keeps round(0.25·N) of the video's tokens, whatever Stage 1 left: ratio = 1 − 0.25·N / stage1.
        var hook = Assert.IsType<FastVHook>(Assert.Single(result.LanguageModelHooks));
        int target = (int)Math.Round(0.25 * video.Count, MidpointRounding.ToEven);
        Assert.Equal(target, VideoRowsKept(backend, hook, stage1, video.Grid.T, result.Segments));
        Assert.Equal(2, log.Count(l => l.StartsWith("[budget]", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData(0.25)]
    [InlineData(0.4)]
    [InlineData(0.05)]
    public void Stage2AloneMeetsTheBudgetOnItsGroups(double retention)
    {
        // Without Stage 1 every temporal step is one group of 20 tokens: Stage 2 keeps 8·floor(alpha·20), so the closest
        // reachable count to round(R·160) is 8·round(R·20) with ties to the higher count.
        using var backend = new CpuBackend();
        VideoTokens video = TestVideos.Random(backend, new VideoGrid(8, 4, 5), Channels, seed: 5);
        var chain = StrategySpec.Parse("prunevid-stage2").CreateChain(retention: retention);
        var (result, _) = chain.Run(video, TestVideos.Context(Channels));
        var hook = Assert.IsType<PruneVidStage2Hook>(Assert.Single(result.LanguageModelHooks));
        int target = (int)Math.Round(retention * 160, MidpointRounding.ToEven);
        int best = Enumerable.Range(0, 21).Select(k => 8 * k).OrderBy(c => Math.Abs(c - target)).ThenByDescending(c => c).First();
        Assert.Equal(best, VideoRowsKept(backend, hook, video.Count, video.Grid.T, []));
    }

    [Fact]
    public void DyCokesPredictedCountIsWhatItKeepsAndTheBudgetRunsItOnce()
    {
        using var backend = new CpuBackend();
        foreach (int steps in new[] { 1, 2, 5, 8, 9 })
        {
            VideoTokens video = TestVideos.Random(backend, new VideoGrid(steps, 4, 5), Channels, seed: steps);
            foreach (double k in new[] { 0.0, 0.3, 0.7, 1.0 })
            {
                var reducer = new PruneVid.Strategies.Peers.DyCokeReducer { Options = new() { K = k } };
                Assert.Equal(reducer.Reduce(video, TestVideos.Context(Channels)).Count, reducer.KeptTokens(video.Count, steps, []));
            }
        }
        // 8 steps of 20: steps 0, 4 and 6 stay whole, five steps keep int((1 − k)·20) each: 50% of 160 = 60 + 5·4.
        VideoTokens eight = TestVideos.Random(backend, new VideoGrid(8, 4, 5), Channels, seed: 8);
        var log = new List<string>();
        var (result, _) = StrategySpec.Parse("dycoke").CreateChain(retention: 0.5).Run(eight, TestVideos.Context(Channels, log.Add));
        Assert.Equal(80, result.Count);
        Assert.Contains(log, l => l.StartsWith("[budget] dycoke: dycoke_k=", StringComparison.Ordinal) && l.Contains("keeps 80 of 160"));
    }

    /// <summary>Video rows a hook keeps of a span of <paramref name="tokens"/> between a 3-row prefix and a 5-row question.</summary>
    private static int VideoRowsKept(ComputeBackend backend, ILanguageModelReductionHook hook, int tokens, int frames, IReadOnlyList<TokenSegment> segments)
    {
        const int prefix = 3, suffix = 5;
        int rows = prefix + tokens + suffix;
        var random = new Random(7);
        float[] Rand(int n) => Enumerable.Range(0, n).Select(_ => (float)random.NextDouble() * 2 - 1).ToArray();
        using Tensor q = backend.FromF32(Rand(rows * 32), rows, 32), k = backend.FromF32(Rand(rows * 16), rows, 16);
        using Tensor hidden = backend.Allocate(DType.F32, rows, 1);
        int[]? kept = hook.Apply(new LanguageModelLayerState(hook.LayerIndex, hidden, q, k, AttentionShape.Create(4, 2, 8),
            [new VideoSpan(prefix, tokens, frames, segments)]));
        return (kept?.Length ?? rows) - prefix - suffix;
    }
}
