// PruneVid.NET — evaluation tests: merging shard files (missing/duplicate checks) and the report's numbers.
using PruneVid.Runtime.Evaluation;

namespace PruneVid.Evaluation.Tests;

public sealed class MergeAndReportTests : IDisposable
{
    private static readonly string[] Strategies = ["noop", "prunevid-stage1"];
    private readonly string _dir = Directory.CreateTempSubdirectory("prunevid-eval-merge-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void Shard(int index, int count, string[] questions, params EvalRecord[] lines)
    {
        new EvalPlan(index, count, "logits", "s", Strategies, questions).WriteOrCheck(_dir, new Shard(index, count, "test"));
        using var f = ResultFile.Open(Path.Combine(_dir, $"results-{index}-of-{count}.jsonl"));
        foreach (var line in lines) f.Append(line);
    }

    private static EvalRecord R(string q, string s, int? prediction = 1, int? answer = 1) => ResultFileTests.Record(q, s, prediction, answer);

    [Fact]
    public void CompleteShardsMergeInQuestionThenStrategyOrder()
    {
        Shard(0, 2, ["a", "c"], R("c", "prunevid-stage1"), R("a", "noop"), R("c", "noop"), R("a", "prunevid-stage1"));
        Shard(1, 2, ["b"], R("b", "prunevid-stage1"), R("b", "noop"));
        var merged = ResultMerge.Merge([_dir]);
        Assert.Equal([("a", "noop"), ("a", "prunevid-stage1"), ("b", "noop"), ("b", "prunevid-stage1"), ("c", "noop"), ("c", "prunevid-stage1")],
            merged.Records.Select(r => r.Key));
        string file = ResultMerge.Write(merged, _dir);
        Assert.Equal(6, File.ReadAllLines(file).Length);
    }

    [Fact]
    public void MissingPairsAreNamed()
    {
        Shard(0, 2, ["a"], R("a", "noop"), R("a", "prunevid-stage1"));
        Shard(1, 2, ["b"], R("b", "noop"));
        var e = Assert.Throws<EvalDataException>(() => ResultMerge.Merge([_dir]));
        Assert.Contains("1 pair(s) have no result line", e.Message);
        Assert.Contains("(b, prunevid-stage1)", e.Message);
    }

    [Fact]
    public void AShardThatNeverStartedIsNamed()
    {
        Shard(0, 3, ["a"], R("a", "noop"), R("a", "prunevid-stage1"));
        Shard(2, 3, ["c"], R("c", "noop"), R("c", "prunevid-stage1"));
        var e = Assert.Throws<EvalDataException>(() => ResultMerge.Merge([_dir]));
        Assert.Contains("shard 1 of 3 has no plan file", e.Message);
    }

    [Fact]
    public void PairsInTwoShardFilesAreNamed()
    {
        Shard(0, 2, ["a"], R("a", "noop"), R("a", "prunevid-stage1"));
        Shard(1, 2, ["b"], R("b", "noop"), R("b", "prunevid-stage1"), R("a", "noop"));
        var e = Assert.Throws<EvalDataException>(() => ResultMerge.Merge([_dir]));
        Assert.Contains("1 pair(s) have more than one line: (a, noop) in", e.Message);
    }

    [Fact]
    public void APlanOfAnotherRunIsRefusedWhenResuming()
    {
        Shard(0, 1, ["a"]);
        var e = Assert.Throws<EvalDataException>(() => new EvalPlan(0, 1, "generate", "s", Strategies, ["a"]).WriteOrCheck(_dir, new Shard(0, 1, "t")));
        Assert.Contains("already holds shard 0/1 of a run with other", e.Message);
    }

    [Fact]
    public void SummaryNumbersMatchAHandCount()
    {
        // noop: 4 lines, 3 scored correct of 4 (one wrong); prunevid: one error, one no prediction, two correct.
        var lines = new List<EvalRecord>
        {
            R("a", "noop") with { PrefillMs = 100, DecodeMs = 50, ReductionMs = 0, TtftMs = 300 },
            R("b", "noop") with { PrefillMs = 200, DecodeMs = 50, ReductionMs = 0, TtftMs = 400 },
            R("c", "noop") with { PrefillMs = 300, DecodeMs = 50, ReductionMs = 0, TtftMs = 500 },
            R("d", "noop", prediction: 0) with { PrefillMs = 400, DecodeMs = 50, ReductionMs = 0, TtftMs = 600 },
            R("a", "prunevid-stage1") with { VisualTokensKept = 40, PrefillMs = 50, DecodeMs = 40, ReductionMs = 10, TtftMs = 200 },
            R("b", "prunevid-stage1") with { VisualTokensKept = 60, PrefillMs = 70, DecodeMs = 40, ReductionMs = 10, TtftMs = 220 },
            R("c", "prunevid-stage1", prediction: null) with { Correct = false, VisualTokensKept = 20, PrefillMs = 30, DecodeMs = 40, ReductionMs = 10, TtftMs = 180 },
            R("d", "prunevid-stage1", prediction: null) with { Correct = false, Error = "video file 'd.mp4' not found", VisualTokensBefore = 0, VisualTokensKept = 0 },
        };
        var rows = StrategySummary.Compute(Strategies, lines);
        var noop = rows[0];
        Assert.Equal((4, 4, 3, 0, 0), (noop.N, noop.Scored, noop.Correct, noop.NoPrediction, noop.Errors));
        Assert.Equal(75.0, noop.AccuracyPercent);
        Assert.Equal(50.0, noop.MeanRetentionPercent);
        Assert.Equal(250.0, noop.MeanPrefillMs);
        Assert.Equal(450.0, noop.MeanTtftMs);
        var pv = rows[1];
        Assert.Equal((4, 4, 2, 1, 1), (pv.N, pv.Scored, pv.Correct, pv.NoPrediction, pv.Errors));
        Assert.Equal(50.0, pv.AccuracyPercent);
        Assert.Equal(100.0 * 50 / 75, pv.RelativeAccuracyPercent!.Value, 9);
        Assert.Equal(40.0, pv.MeanRetentionPercent!.Value, 9);           // (40 + 60 + 20) / 3 over the lines without an error
        Assert.Equal(300.0 / 100.0, pv.SpeedUp!.Value, 9);              // noop 250 + 50 = 300 ms; prunevid 10 + 50 + 40 = 100 ms
        Assert.Equal(1.0, noop.SpeedUp);
    }

    [Fact]
    public void ReportFilesHoldTheSummaryAndSubmissionsInTheServersFormat()
    {
        Shard(0, 1, ["a", "b"], R("a", "noop", 2, 2), R("a", "prunevid-stage1", 3, 2), R("b", "noop", 4, 4), R("b", "prunevid-stage1", null, 4) with { Correct = false });
        var merged = ResultMerge.Merge([_dir]);
        var written = EvalReport.Write(merged, _dir);
        Assert.Contains(written, p => p.EndsWith("accuracy_vs_retention.png", StringComparison.Ordinal));
        byte[] png = File.ReadAllBytes(Path.Combine(_dir, "accuracy_vs_retention.png"));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        Assert.Equal("{\n  \"a\": 2,\n  \"b\": 4\n}", File.ReadAllText(Path.Combine(_dir, "submission-noop.json")).ReplaceLineEndings("\n"));
        Assert.Equal("{\n  \"a\": 3\n}", File.ReadAllText(Path.Combine(_dir, "submission-prunevid-stage1.json")).ReplaceLineEndings("\n"));
        string[] csv = File.ReadAllLines(Path.Combine(_dir, "report.csv"));
        Assert.StartsWith("strategy,family,target_retention_pct,n,scored,correct,accuracy_pct,relative_accuracy_pct,mean_retention_pct", csv[0]);
        Assert.StartsWith("noop,noop,,2,2,2,100,", csv[1]);
        Assert.StartsWith("prunevid-stage1,prunevid-stage1,,2,2,0,0,0,", csv[2]);
        Assert.Contains("| `prunevid-stage1` | – | 2 | 0.0% | 0.0% | 50.0% |", File.ReadAllText(Path.Combine(_dir, "report.md")));
        Assert.Equal("submission-prunevid-stage1_aggressive_prunevid-stage2_alpha_0.3_.json",
            EvalReport.SubmissionFileName("prunevid-stage1:aggressive+prunevid-stage2(alpha=0.3)"));
    }
}
