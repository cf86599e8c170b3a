// PruneVid.NET — evaluation tests: the append-only results file and its recovery from a torn last line.
using System.Text;
using PruneVid.Runtime.Evaluation;

namespace PruneVid.Evaluation.Tests;

public sealed class ResultFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("prunevid-eval-results-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static EvalRecord Record(string q, string s, int? prediction = 1, int? answer = 1) => new()
    {
        QUid = q, Strategy = s, Scoring = "logits", Prediction = prediction, Answer = answer,
        Correct = answer is null ? null : prediction == answer, VisualTokensBefore = 100, VisualTokensKept = 50,
    };

    [Fact]
    public void ALineWrittenBeforeVisualTokensKeptKeepsItsCount()
    {
        // The line format before `visual_tokens_kept`: the tokens placed in the prompt were `visual_tokens_after`.
        const string old = "{\"q_uid\":\"q1\",\"strategy\":\"prunevid-stage1\",\"prediction\":2,\"answer\":2,\"correct\":true,\"error\":null," +
            "\"scoring\":\"logits\",\"visual_tokens_before\":432,\"visual_tokens_after\":120,\"prompt_tokens\":180}";
        EvalRecord record = EvalRecord.TryParse(old)!;
        Assert.Equal(120, record.VisualTokensKept);
        Assert.Equal(120, record.PromptVisualTokens);
        Assert.Equal(100.0 * 120 / 432, record.RetentionPercent, 9);
        Assert.Equal(57, EvalRecord.TryParse(old.Replace("\"visual_tokens_after\":120", "\"visual_tokens_kept\":57,\"visual_tokens_after\":120"))!.VisualTokensKept);
    }

    [Fact]
    public void LinesAreAppendedAndFoundAgainOnReopen()
    {
        string path = Path.Combine(_dir, "r.jsonl");
        using (var f = ResultFile.Open(path))
        {
            f.Append(Record("a", "noop"));
            f.Append(Record("a", "prunevid-stage1"));
            Assert.Throws<InvalidOperationException>(() => f.Append(Record("a", "noop")));
        }
        string[] lines = File.ReadAllLines(path);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("{\"q_uid\":\"a\",\"strategy\":\"noop\",\"prediction\":1,", lines[0]);
        using var reopened = ResultFile.Open(path);
        Assert.Equal(2, reopened.Existing.Count);
        Assert.True(reopened.IsDone("a", "prunevid-stage1"));
        Assert.False(reopened.IsDone("b", "noop"));
        Assert.Equal(0, reopened.TornBytesDropped);
    }

    [Fact]
    public void ATornLastLineIsCutOffAndTheNextLineStartsClean()
    {
        string path = Path.Combine(_dir, "r.jsonl");
        string full = Record("a", "noop").ToJsonLine() + "\n";
        string torn = Record("b", "noop").ToJsonLine()[..40];
        File.WriteAllText(path, full + torn);
        using (var f = ResultFile.Open(path))
        {
            Assert.Equal(Encoding.UTF8.GetByteCount(torn), f.TornBytesDropped);
            Assert.False(f.IsDone("b", "noop"));
            f.Append(Record("b", "noop"));
        }
        Assert.Equal([full.TrimEnd('\n'), Record("b", "noop").ToJsonLine()], File.ReadAllLines(path));
    }

    [Fact]
    public void ACompleteLastRecordWithoutItsNewlineIsKept()
    {
        string path = Path.Combine(_dir, "r.jsonl");
        File.WriteAllText(path, Record("a", "noop").ToJsonLine());
        using (var f = ResultFile.Open(path))
        {
            Assert.True(f.IsDone("a", "noop"));
            f.Append(Record("b", "noop"));
        }
        Assert.Equal(2, File.ReadAllLines(path).Length);
    }

    [Fact]
    public void AMalformedLineBeforeTheLastIsNotRepaired()
    {
        string path = Path.Combine(_dir, "r.jsonl");
        string text = Record("a", "noop").ToJsonLine() + "\n{garbage\n" + Record("b", "noop").ToJsonLine() + "\n";
        File.WriteAllText(path, text);
        var e = Assert.Throws<EvalDataException>(() => ResultFile.Open(path));
        Assert.Contains("line 2 is not a result record", e.Message);
        Assert.Equal(text, File.ReadAllText(path)); // untouched
    }

    [Fact]
    public void APairWrittenTwiceIsReported()
    {
        string path = Path.Combine(_dir, "r.jsonl");
        File.WriteAllText(path, Record("a", "noop").ToJsonLine() + "\n" + Record("a", "noop", prediction: 2).ToJsonLine() + "\n");
        var e = Assert.Throws<EvalDataException>(() => ResultFile.Open(path));
        Assert.Contains("line 2 repeats (a, noop)", e.Message);
    }

    [Fact]
    public void ASecondWriterOfTheSameShardIsRefused()
    {
        string path = Path.Combine(_dir, "r.jsonl");
        using var first = ResultFile.Open(path);
        var e = Assert.Throws<EvalDataException>(() => ResultFile.Open(path));
        Assert.Contains("is being written by another run", e.Message);
        first.Dispose();
        using var afterwards = ResultFile.Open(path); // the lock goes with the writer
    }
}
