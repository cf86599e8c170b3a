// PruneVid.NET — evaluation tests: retention and per-stage counts, recomputed from each reducer's own definition.
using PruneVid.Compute;
using PruneVid.Runtime.Evaluation;
using PruneVid.Runtime.Pipeline;
using PruneVid.Strategies;
using PruneVid.Strategies.Stage1;

namespace PruneVid.Evaluation.Tests;

/// <summary>
/// The mini set, answered by the tiny model with every kind of reducer: the counts each evaluation line (both scorings)
/// and each answer carry must equal what the reducer's published rule gives for that video, computed here without the
/// pipeline: FastV keeps round(N·(1 − ratio)) after layer K − 1; Stage 2 keeps floor(alpha·n) of every group; EVS keeps
/// max(one step, int(N·(1 − q))); Stage 1's output count and segments come from running Stage 1 alone on the encoding.
/// </summary>
public sealed class RetentionTests(TinyModelFixture model) : IClassFixture<TinyModelFixture>, IDisposable
{
    private static readonly string[] Strategies = ["noop", "prunevid-stage1", "fastv", "prunevid-stage2", "prunevid", "evs"];
    private readonly VideoQaPipeline _pipeline = model.Pipeline;
    private readonly string _dir = Directory.CreateTempSubdirectory("prunevid-retention-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>One stage as the test expects it: name, tokens in and out, layer (null before the model).</summary>
    private sealed record Expected(string Stage, int Before, int After, int? Layer);

    [Theory]
    [InlineData("logits")]
    [InlineData("generate")]
    public async Task EvaluationLinesCarryTheCountsEachReducerDefines(string scoring)
    {
        var questions = await MiniDataset.CreateAsync(Path.Combine(_dir, "mini"), questionCount: 2);
        using var results = ResultFile.Open(Path.Combine(_dir, "results-0-of-1.jsonl"));
        var runner = new EvalRunner(_pipeline, Strategies, scoring == "logits" ? EvalScoring.Logits : EvalScoring.Generate, maxNewTokens: 2);
        await runner.RunAsync(questions, results);
        var lines = ResultFile.ReadAll(results.Path, out _);
        Assert.Equal(questions.Count * Strategies.Length, lines.Count);
        foreach (EvalQuestion question in questions)
        {
            using EncodedVideo video = await _pipeline.EncodeVideoAsync(question.VideoPath, Strategies);
            foreach (string strategy in Strategies)
            {
                EvalRecord line = lines.Single(l => l.QUid == question.Id && l.Strategy == strategy);
                Assert.Null(line.Error);
                var expected = ExpectedStages(video, strategy);
                int n = video.Embeddings.Rows, kept = expected[^1].After;
                Assert.Equal(expected, line.Stages!.Select(s => new Expected(s.Stage, s.TokensBefore, s.TokensAfter, s.Layer)));
                Assert.Equal(n, line.VisualTokensBefore);
                Assert.Equal(kept, line.VisualTokensKept);
                Assert.Equal(100.0 * kept / n, line.RetentionPercent, 9);
                Assert.Equal(TokenLayersPercent(expected, n), line.VisualTokenLayersPercent!.Value, 3);
                foreach (StageRecord s in line.Stages!.Where(s => s.InModel))
                    Assert.Equal(line.PromptTokens - line.PromptVisualTokens + s.TokensAfter, s.KvRowsKept); // every text row stays
            }
        }
    }

    [Fact]
    public async Task AnswersAndLogitScoresCountTheSameStages()
    {
        var questions = await MiniDataset.CreateAsync(Path.Combine(_dir, "mini"), questionCount: 1);
        using EncodedVideo video = await _pipeline.EncodeVideoAsync(questions[0].VideoPath, Strategies);
        var sampling = _pipeline.DefaultSampling(1) with { DoSample = false, RepetitionPenalty = 1.0 };
        foreach (string strategy in Strategies)
        {
            var expected = ExpectedStages(video, strategy);
            CompressionStats answered = _pipeline.Answer(video, questions[0].Question, strategy, sampling).Compression;
            CompressionStats scored = _pipeline.ScoreNextToken(video, questions[0].Question, strategy, [0, 1]).Compression;
            foreach (CompressionStats c in new[] { answered, scored })
            {
                Assert.Equal(expected, c.Stages.Select(s => new Expected(s.Stage, s.TokensBefore, s.TokensAfter, s.Layer)));
                Assert.Equal(expected[^1].After, c.VisualTokensKept);
                Assert.Equal(100.0 * expected[^1].After / video.Embeddings.Rows, c.RetentionPercent, 9);
            }
        }
    }

    /// <summary>The stages of <paramref name="strategy"/> on this encoding, from each reducer's definition.</summary>
    private List<Expected> ExpectedStages(EncodedVideo video, string strategy)
    {
        int n = video.Embeddings.Rows, steps = video.Grid.T, perStep = n / steps;
        int lastLayer = _pipeline.Config.Text.NumHiddenLayers - 1;
        int stage2Layer = Math.Min(10, lastLayer);
        int Stage2Kept(IEnumerable<int> groups) => groups.Sum(size => (int)Math.Floor(0.4 * size));
        switch (strategy)
        {
            case "noop":
                return [new("noop", n, n, null)];
            case "fastv":
                return [new("fastv", n, (int)Math.Round(n * 0.5, MidpointRounding.ToEven), Math.Min(1, lastLayer))];
            case "prunevid-stage2":
                Assert.Equal(0, n % steps); // one group per temporal step
                return [new("prunevid-stage2", n, Stage2Kept(Enumerable.Repeat(perStep, steps)), stage2Layer)];
            case "evs":
                return [new("evs", n, Math.Min(n, Math.Max(perStep, (int)(n * (1.0 - 0.75)))), null)];
            case "prunevid-stage1":
            case "prunevid":
                var (count, segments) = Stage1Alone(video);
                var stages = new List<Expected> { new("prunevid-stage1", n, count, null) };
                if (strategy == "prunevid")
                {
                    var groups = segments.SelectMany(s => Enumerable.Repeat(s.DynamicTokensPerFrame, s.Frames).Prepend(s.StaticTokens));
                    stages.Add(new("prunevid-stage2", count, Stage2Kept(groups), stage2Layer));
                }
                return stages;
            default:
                throw new ArgumentException(strategy);
        }
    }

    /// <summary>Stage 1 with its defaults (those of the <c>prunevid</c> chain) on the encoding alone.</summary>
    private (int Count, IReadOnlyList<TokenSegment> Segments) Stage1Alone(EncodedVideo video)
    {
        int merge = _pipeline.Config.Vision.SpatialMergeSize;
        var grid = new VideoGrid(video.Grid.T, video.Grid.H / merge, video.Grid.W / merge);
        var positions = Enumerable.Range(0, grid.Tokens).Select(i => new TokenPosition(i / grid.TokensPerFrame, i % grid.TokensPerFrame / grid.W, i % grid.W)).ToArray();
        var context = new ReductionContext(new ReducerModelInfo(_pipeline.Config.Text.HiddenSize, merge));
        TokenReduction reduction = new PruneVidStage1Reducer().Reduce(new VideoTokens(video.Embeddings, grid, positions), context);
        int count = reduction.Count;
        if (!ReferenceEquals(reduction.Embeddings, video.Embeddings)) reduction.Embeddings.Dispose();
        return (count, reduction.Segments);
    }

    /// <summary>Visual token-layers over N·L: N through layers 0..k of each in-model stage, its output after.</summary>
    private double TokenLayersPercent(IReadOnlyList<Expected> stages, int n)
    {
        int layers = _pipeline.Config.Text.NumHiddenLayers;
        int inPrompt = stages.Where(s => s.Layer is null).Select(s => s.After).LastOrDefault(n);
        double total = 0;
        int from = 0, tokens = inPrompt;
        foreach (Expected s in stages.Where(s => s.Layer is not null))
        {
            total += (double)tokens * (s.Layer!.Value + 1 - from);
            from = s.Layer.Value + 1;
            tokens = s.After;
        }
        total += (double)tokens * (layers - from);
        return 100.0 * total / ((double)n * layers);
    }
}
