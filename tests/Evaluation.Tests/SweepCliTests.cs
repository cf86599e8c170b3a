// PruneVid.NET — evaluation tests: a retention sweep through the CLI (pairs, shards, resume, merge, report, plot).
using System.Globalization;
using System.Text.Json;

namespace PruneVid.Evaluation.Tests;

/// <summary>
/// <c>--strategy noop --strategy fastv --strategy prunevid --retention 0.25,0.5</c> on the mini set in two shards:
/// every (strategy, retention) pair gets one line per question carrying its target and achieved retention, a rerun
/// resumes per pair, and the report tabulates and plots achieved retention against accuracy.
/// </summary>
public sealed class SweepCliTests : IDisposable
{
    private static readonly string[] Pairs =
        ["noop", "fastv(retention=0.25)", "fastv(retention=0.5)", "prunevid(retention=0.25)", "prunevid(retention=0.5)"];

    private readonly string _dir = Directory.CreateTempSubdirectory("prunevid-sweep-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string[] EvalArgs(string mini, string output, string shard) =>
    [
        "eval", "egoschema", "--model", FixturePaths.Get("tiny-qwen25vl"), "--tokenizer", FixturePaths.Get("qwen-tokenizer"),
        "--questions", Path.Combine(mini, "questions.json"), "--answers", Path.Combine(mini, "subset_answers.json"),
        "--videos", Path.Combine(mini, "videos"), "--strategy", "noop", "--strategy", "fastv", "--strategy", "prunevid",
        "--retention", "0.25,0.5", "--scoring", "logits", "--device", "cpu", "--fps", "1", "--min-pixels", "12544", "--max-pixels", "12544",
        "--shard", shard, "--out", output,
    ];

    [Fact]
    public void ASweepRunsEveryPairOnceResumesAndReportsAchievedRetention()
    {
        string mini = Path.Combine(_dir, "mini"), output = Path.Combine(_dir, "out");
        var made = Cli.Run("eval", "make-mini", "--out", mini, "--questions", "3", "--seed", "5");
        Assert.True(made.ExitCode == 0, made.Stderr);
        foreach (string shard in new[] { "0/2", "1/2" })
        {
            var run = Cli.Run(EvalArgs(mini, output, shard));
            Assert.True(run.ExitCode == 0, run.Stderr);
            Assert.Contains("noop: none of its reducers has a budget knob; it runs once", run.Stderr);
        }
        var again = Cli.Run(EvalArgs(mini, output, "0/2"));
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Contains("pair(s) already done", again.Stderr);

        var lines = Directory.GetFiles(output, "results-*-of-2.jsonl").SelectMany(File.ReadAllLines).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(3 * Pairs.Length, lines.Count);
        Assert.Equal(Pairs.Order(StringComparer.Ordinal), lines.Select(l => l.GetProperty("strategy").GetString()!).Distinct().Order(StringComparer.Ordinal));
        foreach (var line in lines)
        {
            string strategy = line.GetProperty("strategy").GetString()!;
            double achieved = 100.0 * line.GetProperty("visual_tokens_kept").GetInt32() / line.GetProperty("visual_tokens_before").GetInt32();
            Assert.Equal(achieved, line.GetProperty("retention_percent").GetDouble(), 9);
            var target = line.GetProperty("target_retention_percent");
            if (strategy == "noop") { Assert.Equal(JsonValueKind.Null, target.ValueKind); continue; }
            Assert.Equal(strategy.Contains("0.25") ? 25.0 : 50.0, target.GetDouble());
            Assert.InRange(achieved, target.GetDouble() - 2, target.GetDouble() + 2);
        }

        var report = Cli.Run("eval", "report", output);
        Assert.True(report.ExitCode == 0, report.Stderr);
        Assert.True(new FileInfo(Path.Combine(output, "accuracy_vs_retention.png")).Length > 0);
        var csv = File.ReadAllLines(Path.Combine(output, "report.csv"));
        string[] header = csv[0].Split(',');
        foreach (string pair in Pairs)
        {
            string[] row = Row(csv, pair);
            string Cell(string column) => row[Array.IndexOf(header, column)];
            var mine = lines.Where(l => l.GetProperty("strategy").GetString() == pair).ToList();
            Assert.Equal(mine.Average(l => l.GetProperty("retention_percent").GetDouble()), double.Parse(Cell("mean_retention_pct"), CultureInfo.InvariantCulture), 9);
            Assert.Equal(pair.Split('(')[0], Cell("family"));
            double lm = mine.Average(l => l.GetProperty("reduction_ms").GetDouble() + l.GetProperty("prefill_ms").GetDouble() + l.GetProperty("decode_ms").GetDouble());
            double e2e = mine.Average(l => l.GetProperty("decode_video_ms").GetDouble() + l.GetProperty("preprocess_ms").GetDouble() + l.GetProperty("vision_ms").GetDouble()
                + l.GetProperty("reduction_ms").GetDouble() + l.GetProperty("prefill_ms").GetDouble() + l.GetProperty("decode_ms").GetDouble());
            Assert.Equal(e2e, double.Parse(Cell("mean_end_to_end_ms"), CultureInfo.InvariantCulture), 6);
            var noop = lines.Where(l => l.GetProperty("strategy").GetString() == "noop").ToList();
            double noopLm = noop.Average(l => l.GetProperty("reduction_ms").GetDouble() + l.GetProperty("prefill_ms").GetDouble() + l.GetProperty("decode_ms").GetDouble());
            Assert.Equal(noopLm / lm, double.Parse(Cell("lm_speedup_vs_noop"), CultureInfo.InvariantCulture), 6);
        }
        Assert.Contains("| LM speed-up | end-to-end speed-up |", report.Stdout);
    }

    private static string[] Row(string[] csv, string strategy)
    {
        string quoted = strategy.Contains(',') ? "\"" + strategy + "\"" : strategy;
        string line = csv.Single(r => r.StartsWith(quoted + ",", StringComparison.Ordinal));
        // Split on commas outside quotes.
        var cells = new List<string>();
        var cell = new System.Text.StringBuilder();
        bool inQuotes = false;
        foreach (char c in line)
        {
            if (c == '"') { inQuotes = !inQuotes; continue; }
            if (c == ',' && !inQuotes) { cells.Add(cell.ToString()); cell.Clear(); continue; }
            cell.Append(c);
        }
        cells.Add(cell.ToString());
        return [.. cells];
    }
}
