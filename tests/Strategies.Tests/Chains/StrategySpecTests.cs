// PruneVid.NET — strategy spec and chain tests.
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;
using PruneVid.Strategies.FastV;
using PruneVid.Strategies.Stage1;
using PruneVid.Strategies.Stage2;
using Xunit;

namespace PruneVid.Strategies.Tests.Chains;

/// <summary>The one spec syntax: reducer, preset, inline parameters, chains; errors that point at the bad part.</summary>
public sealed class StrategySpecTests
{
    [Fact]
    public void ParsesAChainWithPresetAndInlineParameters()
    {
        var spec = StrategySpec.Parse(" prunevid-stage1:aggressive + prunevid-stage2( alpha = 0.3 , scoring=post-rope-causal )");
        Assert.Equal(2, spec.Stages.Count);
        Assert.Equal(("prunevid-stage1", "aggressive"), (spec.Stages[0].Reducer, spec.Stages[0].Preset));
        Assert.Empty(spec.Stages[0].Parameters);
        Assert.Equal("prunevid-stage2", spec.Stages[1].Reducer);
        Assert.Equal([new("alpha", "0.3"), new("scoring", "post-rope-causal")], spec.Stages[1].Parameters);
    }

    [Theory]
    [InlineData("prunevid-stage1+", "stage 2 is empty", 17)]
    [InlineData("prunevid-stage2(alpha=0.3", "is never closed", 16)]
    [InlineData("prunevid-stage2(alpha)", "expected name=value in the parameters of 'prunevid-stage2'", 17)]
    [InlineData("prunevid-stage2(alpha=)", "parameter 'alpha' of 'prunevid-stage2' has no value", 23)]
    [InlineData("prunevid-stage2(alpha=0.3,alpha=0.2)", "parameter 'alpha' of 'prunevid-stage2' is given twice", 27)]
    [InlineData("prunevid-stage1 prunevid-stage2", "expected '+' or the end after stage 1, found 'p'", 17)]
    [InlineData("prunevid-stage1:+noop", "empty preset name after ':' in stage 1", 17)]
    public void SyntaxErrorsNameTheProblemAndItsPosition(string spec, string problem, int character)
    {
        var error = Assert.Throws<TokenReducerConfigurationException>(() => TokenReducerRegistry.Create(spec));
        Assert.Contains(problem, error.Message);
        Assert.Contains($"(character {character})", error.Message);
        Assert.Contains(spec, error.Message);
    }

    [Fact]
    public void UnknownReducerInAChainIsNamed()
    {
        var error = Assert.Throws<TokenReducerConfigurationException>(() => TokenReducerRegistry.Create("prunevid-stage1+prunevid-stage9"));
        Assert.Contains("unknown token reducer 'prunevid-stage9'", error.Message);
    }

    [Fact]
    public void ParameterStringGoesToTheStagesThatDeclareItAndOverridesInlineValues()
    {
        var chain = Assert.IsType<ReducerChain>(TokenReducerRegistry.Create("prunevid-stage1:aggressive+prunevid-stage2(alpha=0.3,selected_layer=5)", "tau=0.7,alpha=0.2"));
        var stage1 = Assert.IsType<PruneVidStage1Reducer>(chain.Stages[0].Reducer);
        var stage2 = Assert.IsType<PruneVidStage2Reducer>(chain.Stages[1].Reducer);
        Assert.Equal((0.7, 0.4), (stage1.Options.Tau, stage1.Options.ClusterRatio)); // the preset's cluster_ratio, the override's tau
        Assert.Equal((0.2, 5), (stage2.Options.Alpha, stage2.Options.SelectedLayer)); // the override beats the inline alpha
    }

    [Fact]
    public void ParameterNoStageDeclaresIsRejectedWithEachStagesParameters()
    {
        var error = Assert.Throws<TokenReducerConfigurationException>(() => TokenReducerRegistry.Create("noop+fastv", "alpha=0.3"));
        Assert.Contains("no stage has a parameter 'alpha'", error.Message);
        Assert.Contains("noop: (none)", error.Message);
        Assert.Contains("fastv: k, ratio, verbose", error.Message);
    }

    [Fact]
    public void SingleStageSpecsStillGiveTheReducerItself()
    {
        Assert.IsType<FastVReducer>(TokenReducerRegistry.Create("fastv(ratio=0.75)"));
        Assert.Equal(0.75, ((FastVReducer)TokenReducerRegistry.Create("fastv(ratio=0.75)")).Options.Ratio);
        var error = Assert.Throws<TokenReducerConfigurationException>(() => TokenReducerRegistry.Create("prunevid-stage2(alpha=1.5)"));
        Assert.Contains("'alpha' = 1.5 is out of range", error.Message);
    }
}

/// <summary>Chains on synthetic tokens: Stage 1 reduces, Stage 2 keeps floor(alpha·size) of every Stage-1 group.</summary>
public sealed class ReducerChainTests
{
    private const int Channels = 12;

    [Fact]
    public void Stage1ThenStage2CountsMultiplyAsSpecified()
    {
        using var backend = new CpuBackend();
        VideoTokens video = TestVideos.Random(backend, new VideoGrid(8, 4, 5), Channels, seed: 11);
        var chain = (ReducerChain)TokenReducerRegistry.Create("prunevid-stage1+prunevid-stage2(alpha=0.4,selected_layer=3)");
        var (result, counts) = chain.Run(video, TestVideos.Context(Channels));
        var stage1 = TokenReducerRegistry.Create("prunevid-stage1").Reduce(video, TestVideos.Context(Channels));

        // Before the model: exactly Stage 1 (same count and segments), one count entry, and Stage 2's hook.
        Assert.Equal(stage1.Count, result.Count);
        Assert.Equal(stage1.Segments, result.Segments);
        Assert.Equal([new StageRecord("prunevid-stage1", video.Count, stage1.Count)], counts);
        var hook = Assert.IsType<PruneVidStage2Hook>(Assert.Single(result.LanguageModelHooks));
        Assert.Equal(3, hook.LayerIndex);

        // Inside the model: a synthetic layer state with the Stage-1 tokens between a prefix and a question.
        int prefix = 4, suffix = 6, rows = prefix + result.Count + suffix;
        var shape = AttentionShape.Create(4, 2, 8);
        var random = new Random(3);
        float[] Rand(int n) => Enumerable.Range(0, n).Select(_ => (float)random.NextDouble() * 2 - 1).ToArray();
        using Tensor q = backend.FromF32(Rand(rows * 32), rows, 32), k = backend.FromF32(Rand(rows * 16), rows, 16);
        using Tensor hidden = backend.Allocate(DType.F32, rows, 1);
        var span = new VideoSpan(prefix, result.Count, video.Grid.T, result.Segments);
        int[] kept = hook.Apply(new LanguageModelLayerState(3, hidden, q, k, shape, [span]))!;

        int expected = result.Segments.Sum(s => (int)Math.Floor(0.4 * s.StaticTokens) + s.Frames * (int)Math.Floor(0.4 * s.DynamicTokensPerFrame));
        Assert.Equal(prefix + expected + suffix, kept.Length);
        Assert.Equal(Enumerable.Range(0, prefix), kept[..prefix]);
        Assert.Equal(Enumerable.Range(rows - suffix, suffix), kept[^suffix..]);
        foreach (TokenSegment s in result.Segments)
        {
            int inStatic = kept.Count(r => r - prefix >= s.OutputStart && r - prefix < s.OutputStart + s.StaticTokens);
            Assert.Equal((int)Math.Floor(0.4 * s.StaticTokens), inStatic);
        }
    }

    [Fact]
    public void AReducerBeforeTheModelCannotFollowOneThatMergedTokens()
    {
        using var backend = new CpuBackend();
        VideoTokens video = TestVideos.Random(backend, new VideoGrid(4, 4, 5), Channels, seed: 2);
        var error = Assert.Throws<TokenReducerConfigurationException>(() =>
            TokenReducerRegistry.Create("prunevid-stage1+prunevid-stage1").Reduce(video, TestVideos.Context(Channels)));
        Assert.Contains("needs the full video grid", error.Message);
    }

    [Fact]
    public void NoopThenStage1IsStage1()
    {
        using var backend = new CpuBackend();
        VideoTokens video = TestVideos.Random(backend, new VideoGrid(4, 4, 5), Channels, seed: 4);
        var chained = TokenReducerRegistry.Create("noop+prunevid-stage1").Reduce(video, TestVideos.Context(Channels));
        var alone = TokenReducerRegistry.Create("prunevid-stage1").Reduce(video, TestVideos.Context(Channels));
        Assert.Equal(TestVideos.Host(alone.Embeddings), TestVideos.Host(chained.Embeddings));
        Assert.Equal(alone.Positions, chained.Positions);
    }

    [Fact]
    public void InModelReducersAreListedAndClampTheirLayer()
    {
        string[] names = TokenReducerRegistry.All.Select(d => d.Name).ToArray();
        Assert.Contains("prunevid-stage2", names);
        Assert.Contains("fastv", names);
        var log = new List<string>();
        var context = new ReductionContext(new ReducerModelInfo(Channels, LanguageModelLayers: 3), log.Add);
        var hook = ((ILanguageModelReducer)TokenReducerRegistry.Create("prunevid-stage2")).CreateHook(context);
        Assert.Equal(2, hook.LayerIndex);
        Assert.Equal(HookAttentionInputs.PreRope, hook.Inputs);
        Assert.Equal("prunevid-stage2: selected_layer 10 is past the model's 3 decoder layers; using layer 2", Assert.Single(log));
        var error = Assert.Throws<TokenReducerConfigurationException>(() =>
            ((ILanguageModelReducer)TokenReducerRegistry.Create("prunevid-stage2(scoring=fastest)")).CreateHook(context));
        Assert.Contains("scoring 'fastest' is not one of official, post-rope-causal", error.Message);
    }

    [Fact]
    public void VerboseTurnsOnEveryStageSummaryTheSpecAndParametersLeaveUnset()
    {
        var spec = StrategySpec.Parse("prunevid-stage1+prunevid-stage2(verbose=false)+fastv");
        var reducers = spec.CreateReducers("ratio=0.25", verbose: true);
        Assert.True(((PruneVidStage1Reducer)reducers[0].Reducer).Options.Verbose);
        Assert.False(((PruneVidStage2Reducer)reducers[1].Reducer).Options.Verbose); // the spec's own value wins
        Assert.True(((FastVReducer)reducers[2].Reducer).Options.Verbose);
        Assert.Equal(0.25, ((FastVReducer)reducers[2].Reducer).Options.Ratio);
        var quiet = spec.CreateReducers("verbose=false", verbose: true);
        Assert.All(quiet, r => Assert.False(r.Reducer switch
        {
            PruneVidStage1Reducer a => a.Options.Verbose,
            PruneVidStage2Reducer b => b.Options.Verbose,
            FastVReducer c => c.Options.Verbose,
            _ => true,
        }));
        Assert.False(((PruneVidStage1Reducer)spec.CreateReducers().First().Reducer).Options.Verbose);
    }
}
