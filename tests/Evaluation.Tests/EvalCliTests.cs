// PruneVid.NET — evaluation tests: the whole flow through the CLI on the mini dataset and the tiny fixture model:
// two strategies, two shards, one shard killed with SIGKILL mid-run and resumed, merge, report.
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace PruneVid.Evaluation.Tests;

public sealed class EvalCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("prunevid-eval-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string[] EvalArgs(string mini, string output, string shard) =>
    [
        "eval", "egoschema", "--model", FixturePaths.Get("tiny-qwen25vl"), "--tokenizer", FixturePaths.Get("qwen-tokenizer"),
        "--questions", Path.Combine(mini, "questions.json"), "--answers", Path.Combine(mini, "subset_answers.json"),
        "--videos", Path.Combine(mini, "videos"), "--strategy", "noop", "--strategy", "prunevid-stage1", "--scoring", "logits",
        "--device", "cpu", "--fps", "1", "--min-pixels", "12544", "--max-pixels", "12544", "--shard", shard, "--out", output,
    ];

    [Fact]
    public void TwoShardsOneKilledAndResumedMergeIntoAReportWhoseNumbersMatchTheLines()
    {
        string mini = Path.Combine(_dir, "mini"), output = Path.Combine(_dir, "out");
        var made = Cli.Run("eval", "make-mini", "--out", mini, "--questions", "6", "--seed", "11");
        Assert.True(made.ExitCode == 0, made.Stderr);
        string[] videos = [.. Directory.GetFiles(Path.Combine(mini, "videos")).Order(StringComparer.Ordinal)];
        File.Delete(videos[0]);                                                  // a missing video → error lines
        File.WriteAllBytes(videos[1], Encoding.ASCII.GetBytes("this is not an mp4 file")); // a corrupt one → error lines
        string missingId = Path.GetFileNameWithoutExtension(videos[0]), corruptId = Path.GetFileNameWithoutExtension(videos[1]);

        var first = Cli.Run(EvalArgs(mini, output, "0/2"));
        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.Contains("shard 0/2 from --shard 0/2: 3 of 6 questions", first.Stderr);
        Assert.Contains("progress 6/6 pairs (100%)", first.Stderr);

        // Shard 1: SIGKILL as soon as its first line is on disk.
        string shardFile = Path.Combine(output, "results-1-of-2.jsonl");
        StringBuilder stdout = new(), stderr = new();
        using (var victim = Cli.Start(EvalArgs(mini, output, "1/2"), stdout, stderr))
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (!victim.HasExited && LineCount(shardFile) == 0 && clock.Elapsed < TimeSpan.FromMinutes(3)) Thread.Sleep(5);
            Assert.False(victim.HasExited, $"shard 1 finished before it could be killed: {stderr}");
            victim.Kill(entireProcessTree: true); // SIGKILL on Linux
            victim.WaitForExit();
        }
        string beforeResume = File.ReadAllText(shardFile);
        string[] finished = beforeResume.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.EndsWith('}')).ToArray();
        Assert.InRange(finished.Length, 1, 5);
        // A death in the middle of a write leaves a partial line; make sure there is one to recover from.
        File.AppendAllText(shardFile, beforeResume.EndsWith('\n') ? "{\"q_uid\":\"torn" : "");

        var resumed = Cli.Run(EvalArgs(mini, output, "1/2"));
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains("dropped a torn last line", resumed.Stderr);
        Assert.Contains($"{finished.Length} pair(s) already done", resumed.Stderr);

        string[] shardLines = File.ReadAllLines(shardFile);
        Assert.Equal(finished, shardLines[..finished.Length]); // nothing finished was lost or rewritten
        var plan = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "plan-1-of-2.json"))).RootElement;
        var planned = plan.GetProperty("q_uids").EnumerateArray().Select(e => e.GetString()!).ToList();
        var keys = shardLines.Select(l => JsonDocument.Parse(l).RootElement).Select(r => (r.GetProperty("q_uid").GetString()!, r.GetProperty("strategy").GetString()!)).ToList();
        Assert.Equal(keys.Count, keys.Distinct().Count());
        Assert.Equal(planned.SelectMany(q => new[] { (q, "noop"), (q, "prunevid-stage1") }).Order(), keys.Order());

        var merge = Cli.Run("eval", "merge", output);
        Assert.True(merge.ExitCode == 0, merge.Stderr);
        Assert.Contains("merged 12 lines (2 shard file(s) of 2)", merge.Stderr);
        var report = Cli.Run("eval", "report", output);
        Assert.True(report.ExitCode == 0, report.Stderr);
        Assert.Contains("| strategy | target | n | accuracy |", report.Stdout);

        // Every line, recomputed here from the shard files alone, against report.csv.
        var lines = Directory.GetFiles(output, "results-*-of-2.jsonl").SelectMany(File.ReadAllLines).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(12, lines.Count);
        var csv = File.ReadAllLines(Path.Combine(output, "report.csv"));
        string[] header = csv[0].Split(',');
        foreach (string strategy in new[] { "noop", "prunevid-stage1" })
        {
            var mine = lines.Where(l => l.GetProperty("strategy").GetString() == strategy).ToList();
            var ok = mine.Where(l => l.GetProperty("error").ValueKind == JsonValueKind.Null).ToList();
            int correct = mine.Count(l => l.GetProperty("correct").ValueKind == JsonValueKind.True);
            double retention = ok.Average(l => 100.0 * l.GetProperty("visual_tokens_kept").GetInt32() / l.GetProperty("visual_tokens_before").GetInt32());
            double prefill = ok.Average(l => l.GetProperty("prefill_ms").GetDouble());
            double ttft = ok.Average(l => l.GetProperty("ttft_ms").GetDouble());
            var row = csv.Single(r => r.StartsWith(strategy + ",", StringComparison.Ordinal)).Split(',');
            string Cell(string column) => row[Array.IndexOf(header, column)];
            double Num(string column) => double.Parse(Cell(column), CultureInfo.InvariantCulture);
            Assert.Equal(6, int.Parse(Cell("n"), CultureInfo.InvariantCulture));
            Assert.Equal(correct, int.Parse(Cell("correct"), CultureInfo.InvariantCulture));
            Assert.Equal(100.0 * correct / 6, Num("accuracy_pct"), 9);
            Assert.Equal(retention, Num("mean_retention_pct"), 9);
            Assert.Equal(prefill, Num("mean_prefill_ms"), 6);
            Assert.Equal(ttft, Num("mean_ttft_ms"), 6);
            Assert.Equal(4, 6 - int.Parse(Cell("errors"), CultureInfo.InvariantCulture)); // two videos fail, four answer
            Assert.Equal(0, int.Parse(Cell("no_prediction"), CultureInfo.InvariantCulture));  // logits always predict
            // The submission holds exactly the predictions of the lines.
            var submission = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, $"submission-{strategy}.json"))).RootElement;
            Assert.Equal(ok.Select(l => (l.GetProperty("q_uid").GetString()!, l.GetProperty("prediction").GetInt32())).Order(),
                submission.EnumerateObject().Select(p => (p.Name, p.Value.GetInt32())).Order());
        }
        Assert.True(lines.Where(l => l.GetProperty("strategy").GetString() == "prunevid-stage1" && l.GetProperty("error").ValueKind == JsonValueKind.Null)
            .All(l => l.GetProperty("visual_tokens_kept").GetInt32() < l.GetProperty("visual_tokens_before").GetInt32()));

        string ErrorOf(string id) => lines.First(l => l.GetProperty("q_uid").GetString() == id).GetProperty("error").GetString() ?? "";
        Assert.Contains("not found", ErrorOf(missingId));
        Assert.Contains("could not be decoded", ErrorOf(corruptId));
        Assert.True(File.Exists(Path.Combine(output, "accuracy_vs_retention.png")));
    }

    [Fact]
    public void BadInputExits1WithASentenceNotAStackTrace()
    {
        string questions = Path.Combine(_dir, "questions.json");
        File.WriteAllText(questions, "[{\"q_uid\": \"a\", \"question\": \"Q?\", \"option 0\": \"x\"}]");
        string[] common = ["eval", "egoschema", "--model", FixturePaths.Get("tiny-qwen25vl"), "--questions", questions, "--videos", _dir, "--out", Path.Combine(_dir, "out")];

        var unknown = Cli.Run([.. common, "--strategy", "noop", "--strategy", "no-such-reducer"]);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("unknown token reducer 'no-such-reducer'", unknown.Stderr);

        var fourOptions = Cli.Run([.. common, "--strategy", "noop"]);
        Assert.Equal(1, fourOptions.ExitCode);
        Assert.Contains("no \"option 1\"", fourOptions.Stderr);

        File.WriteAllText(questions, "not json");
        var malformed = Cli.Run([.. common, "--strategy", "noop"]);
        Assert.Equal(1, malformed.ExitCode);
        Assert.Contains("is not valid JSON", malformed.Stderr);

        var subsetWithoutAnswers = Cli.Run([.. common, "--strategy", "noop", "--answered-only"]);
        Assert.NotEqual(0, subsetWithoutAnswers.ExitCode);
        Assert.Contains("--answered-only needs --answers", subsetWithoutAnswers.Stderr);

        foreach (var r in new[] { unknown, fourOptions, malformed }) Assert.DoesNotContain("   at ", r.Stderr);
        Assert.False(Directory.Exists(Path.Combine(_dir, "out"))); // nothing written before the input is known good
    }

    private static int LineCount(string path)
    {
        if (!File.Exists(path)) return 0;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Count(c => c == '\n');
    }
}
