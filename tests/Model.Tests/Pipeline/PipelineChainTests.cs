// PruneVid.NET — pipeline tests: strategy chains and in-model reducers end to end.
using PruneVid.Runtime.Model.Text;
using PruneVid.Runtime.Pipeline;
using Xunit;

namespace PruneVid.Model.Tests.Pipeline;

/// <summary>
/// <c>prunevid</c> (Stage 1 → Stage 2) and <c>fastv</c> through the pipeline on the tiny fixture: per-stage counts,
/// the verbose lines in the reference format, the clamp notice, and parameter overrides per call.
/// </summary>
public sealed class PipelineChainTests(PipelineFixture fixture) : IClassFixture<PipelineFixture>
{
    private SamplingOptions Sampling => fixture.Pipeline.DefaultSampling(3) with { EosTokenIds = [] };

    [Fact]
    public void PrunevidReportsStage1AndStage2AtTheClampedLayer()
    {
        using var pipeline = fixture.Pipeline.WithStrategy("prunevid");
        lock (fixture.Log) fixture.Log.Clear();
        VideoQaResult r = pipeline.GenerateFromInputs(fixture.InputIds, fixture.Inputs, sampling: Sampling);

        var stages = r.Compression.Stages;
        Assert.Equal(["prunevid-stage1", "prunevid-stage2"], stages.Select(s => s.Stage));
        Assert.Equal(r.Compression.VisualTokensBefore, stages[0].TokensBefore);
        Assert.Equal(r.Compression.PromptVisualTokens, stages[0].TokensAfter);
        Assert.Equal(stages[0].TokensAfter, stages[1].TokensBefore);
        Assert.InRange(stages[1].TokensAfter, 0, (int)(0.4 * stages[1].TokensBefore));
        Assert.Equal(2, stages[1].Layer); // selected_layer 10 on a 3-layer model
        Assert.Equal(r.PromptIds.Count - stages[1].TokensBefore + stages[1].TokensAfter, stages[1].KvRowsKept);
        Assert.Equal(3, r.Tokens.Count);

        string[] log;
        lock (fixture.Log) log = [.. fixture.Log];
        Assert.Contains(log, l => l.StartsWith($"[Stage 1] Tokens: {stages[0].TokensBefore} -> {stages[0].TokensAfter} ("));
        Assert.Contains(log, l => l.StartsWith($"[Stage 2] Tokens: {stages[1].TokensBefore} -> {stages[1].TokensAfter} (") && l.EndsWith(" at layer 2"));
        Assert.Contains(log, l => l.Contains("selected_layer 10 is past the model's 3 decoder layers; using layer 2"));
    }

    [Fact]
    public void PerCallParametersReachTheStageThatDeclaresThem()
    {
        using var pipeline = fixture.Pipeline.WithStrategy("prunevid-stage1+prunevid-stage2(alpha=0.4)");
        var all = pipeline.GenerateFromInputs(fixture.InputIds, fixture.Inputs, strategyParameters: "alpha=1.0", sampling: Sampling);
        Assert.Equal(all.Compression.Stages[1].TokensBefore, all.Compression.Stages[1].TokensAfter);
        var noStage2 = fixture.Pipeline.WithStrategy("prunevid-stage1").GenerateFromInputs(fixture.InputIds, fixture.Inputs, sampling: Sampling);
        Assert.Equal(noStage2.Tokens, all.Tokens); // alpha 1 keeps every token: same greedy tokens as Stage 1 alone
    }

    [Fact]
    public void FastVKeepsHalfTheVideoTokensAfterLayerOne()
    {
        using var pipeline = fixture.Pipeline.WithStrategy("fastv");
        var r = pipeline.GenerateFromInputs(fixture.InputIds, fixture.Inputs, sampling: Sampling);
        var stage = Assert.Single(r.Compression.Stages, s => s.Stage == "fastv");
        Assert.Equal((int)Math.Round(stage.TokensBefore * 0.5, MidpointRounding.ToEven), stage.TokensAfter);
        Assert.Equal(1, stage.Layer);
        Assert.Equal(stage.TokensAfter, r.Compression.VisualTokensKept);
    }

    [Fact]
    public void ABadChainIsRejectedWhenThePipelineIsMade()
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => fixture.Pipeline.WithStrategy("prunevid-stage1+(alpha=0.3)"));
        Assert.Contains("stage 2 has no reducer name before '('", error.Message);
    }
}
