// PruneVid.NET — evaluation tests: token budgets (retention=R) on the mini set.
using PruneVid.Runtime.Evaluation;
using PruneVid.Runtime.Pipeline;
using PruneVid.Strategies;
using Xunit.Abstractions;

namespace PruneVid.Evaluation.Tests;

/// <summary>
/// <c>retention=0.25</c> brings every budget-capable reducer within 2 percentage points of 25% of each mini-set video's
/// visual tokens (achieved retention counted after the last stage, in-model stages included), and a reducer without a
/// knob is refused with a sentence.
/// </summary>
public sealed class TokenBudgetTests(TinyModelFixture model, ITestOutputHelper output) : IClassFixture<TinyModelFixture>, IDisposable
{
    private readonly VideoQaPipeline _pipeline = model.Pipeline;
    private readonly string _dir = Directory.CreateTempSubdirectory("prunevid-budget-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("prunevid-stage1")]
    [InlineData("fastv")]
    [InlineData("prunevid-stage2")]
    [InlineData("prunevid")]
    [InlineData("fastvid")]
    [InlineData("random")]
    public async Task AQuarterBudgetIsMetWithinTwoPointsOnEveryMiniVideo(string strategy)
    {
        var questions = await MiniDataset.CreateAsync(Path.Combine(_dir, "mini"), questionCount: 4);
        string spec = StrategySpec.WithRetention(strategy, 0.25);
        foreach (EvalQuestion question in questions)
        {
            using EncodedVideo video = await _pipeline.EncodeVideoAsync(question.VideoPath, [spec]);
            CompressionStats c = _pipeline.ScoreNextToken(video, question.Question, spec, [0]).Compression;
            output.WriteLine($"{spec} {question.Id}: {c.VisualTokensKept} of {c.VisualTokensBefore} = {c.RetentionPercent:F2}% ({string.Join(", ", c.Stages)})");
            Assert.Equal(25.0, c.TargetRetentionPercent);
            Assert.InRange(c.RetentionPercent, 23.0, 27.0);
        }
    }

    [Fact]
    public async Task EvsMeetsTheBudgetDownToItsWholeFirstStep()
    {
        var questions = await MiniDataset.CreateAsync(Path.Combine(_dir, "mini"), questionCount: 2);
        foreach (EvalQuestion question in questions)
        {
            using EncodedVideo video = await _pipeline.EncodeVideoAsync(question.VideoPath, ["evs"]);
            int n = video.Embeddings.Rows, step = n / video.Grid.T;
            foreach (double r in new[] { 0.25, 0.5, 0.75 })
            {
                CompressionStats c = _pipeline.ScoreNextToken(video, question.Question, StrategySpec.WithRetention("evs", r), [0]).Compression;
                int expected = Math.Min(n, Math.Max(step, (int)(n * (1.0 - (1.0 - r))))); // vLLM keeps max(one step, int(N·(1 − q))), q = 1 − r
                Assert.Equal(expected, c.VisualTokensKept);
            }
        }
    }

    [Fact]
    public void AReducerWithoutABudgetKnobIsRefusedWithASentence()
    {
        var e = Assert.Throws<TokenReducerConfigurationException>(() => StrategySpec.Parse("noop(retention=0.25)").CreateChain());
        Assert.Contains("cannot take a token budget", e.Message);
        Assert.Contains("fastv", e.Message); // names the reducers that can
        var bad = Assert.Throws<TokenReducerConfigurationException>(() => StrategySpec.Parse("fastv(retention=1.5)"));
        Assert.Contains("not a share of the visual tokens in (0, 1]", bad.Message);
    }
}
