// PruneVid.NET — evaluation: report.md, report.csv, the accuracy/retention plot and the submission files.
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace PruneVid.Runtime.Evaluation;

/// <summary>Writes a run's report files from its merged results.</summary>
public static partial class EvalReport
{
    public const string MarkdownFileName = "report.md";
    public const string CsvFileName = "report.csv";
    public const string PlotFileName = "accuracy_vs_retention.png";

    private static readonly string[] Columns =
        ["strategy", "family", "target_retention_pct", "n", "scored", "correct", "accuracy_pct", "relative_accuracy_pct", "mean_retention_pct",
         "mean_token_layers_pct", "mean_prefill_ms", "mean_decode_ms", "mean_ttft_ms", "mean_end_to_end_ms", "lm_speedup_vs_noop",
         "end_to_end_speedup_vs_noop", "no_prediction", "errors"];

    /// <summary>Writes every report file into <paramref name="folder"/>; returns their paths.</summary>
    public static IReadOnlyList<string> Write(MergedResults merged, string folder)
    {
        var rows = StrategySummary.Compute(merged.Strategies, merged.Records);
        var written = new List<string>
        {
            WriteText(folder, MarkdownFileName, Markdown(rows, merged)),
            WriteText(folder, CsvFileName, Csv(rows)),
        };
        var plotted = rows.Where(r => r.AccuracyPercent is not null && r.MeanRetentionPercent is not null).ToList();
        if (plotted.Count > 0) written.Add(AccuracyRetentionPlot.Save(plotted, Path.Combine(folder, PlotFileName)));
        foreach (string strategy in merged.Strategies)
            written.Add(WriteText(folder, SubmissionFileName(strategy), Submission(merged.Records.Where(r => r.Strategy == strategy))));
        return written;
    }

    /// <summary><c>submission-&lt;strategy&gt;.json</c>, the spec made file-name safe.</summary>
    public static string SubmissionFileName(string strategy) => $"submission-{UnsafeChars().Replace(strategy, "_")}.json";

    /// <summary>The markdown table (also what the CLI prints).</summary>
    public static string Markdown(IReadOnlyList<StrategySummary> rows, MergedResults merged)
    {
        var md = new StringBuilder();
        md.Append("# Evaluation report\n\n");
        md.Append(CultureInfo.InvariantCulture, $"{merged.Records.Select(r => r.QUid).Distinct().Count()} questions × {merged.Strategies.Count} strategies, ");
        md.Append(CultureInfo.InvariantCulture, $"{merged.ShardCount} shard(s), scoring `{merged.Records.FirstOrDefault()?.Scoring ?? "-"}`.\n\n");
        md.Append("| strategy | target | n | accuracy | rel. to noop | retention | token-layers | prefill ms | decode ms | TTFT ms | LM speed-up | end-to-end speed-up | no answer | errors |\n");
        md.Append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        foreach (var r in rows)
            md.Append(CultureInfo.InvariantCulture,
                $"| `{r.Strategy}` | {Pct(r.TargetRetentionPercent)} | {r.N} | {Pct(r.AccuracyPercent)} | {Pct(r.RelativeAccuracyPercent)} | {Pct(r.MeanRetentionPercent)} | {Pct(r.MeanVisualTokenLayersPercent)} | {Num(r.MeanPrefillMs)} | {Num(r.MeanDecodeMs)} | {Num(r.MeanTtftMs)} | {Times(r.SpeedUp)} | {Times(r.EndToEndSpeedUp)} | {r.NoPrediction} | {r.Errors} |\n");
        md.Append("\nAccuracy: correct / questions with an answer key (an error or an unparsable reply counts as wrong). ");
        md.Append("Target: the token budget (`retention=R`), – without one. ");
        md.Append("Retention: visual tokens left after the last stage (in-model stages included), mean per question. ");
        md.Append("Token-layers: visual tokens the language model's layers computed, as a share of every vision token through every layer. ");
        md.Append("TTFT: vision + reduction + prefill. ");
        md.Append("LM speed-up: mean reduction + prefill + decode time of `noop` over the strategy's (the part a reducer changes). ");
        md.Append("End-to-end speed-up: the same for video decode + preprocess + vision + reduction + prefill + decode per question (what a user waits for).\n");
        return md.ToString();
    }

    private static string Csv(IReadOnlyList<StrategySummary> rows)
    {
        var csv = new StringBuilder(string.Join(",", Columns)).Append('\n');
        foreach (var r in rows)
            csv.Append(string.Join(",", Quote(r.Strategy), Quote(r.Family), F(r.TargetRetentionPercent), I(r.N), I(r.Scored), I(r.Correct), F(r.AccuracyPercent),
                F(r.RelativeAccuracyPercent), F(r.MeanRetentionPercent), F(r.MeanVisualTokenLayersPercent), F(r.MeanPrefillMs), F(r.MeanDecodeMs),
                F(r.MeanTtftMs), F(r.MeanEndToEndMs), F(r.SpeedUp), F(r.EndToEndSpeedUp), I(r.NoPrediction), I(r.Errors))).Append('\n');
        return csv.ToString();
    }

    /// <summary>The official server's format: <c>{q_uid: option}</c>; questions without a prediction are left out.</summary>
    private static string Submission(IEnumerable<EvalRecord> records)
    {
        var map = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var r in records) if (r.Prediction is int p) map[r.QUid] = p;
        return JsonSerializer.Serialize(map, new JsonSerializerOptions { WriteIndented = true });
    }

    private static string WriteText(string folder, string name, string text)
    {
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static string Pct(double? v) => v is double x ? x.ToString("0.0", CultureInfo.InvariantCulture) + "%" : "–";
    private static string Num(double? v) => v is double x ? x.ToString("0.0", CultureInfo.InvariantCulture) : "–";
    private static string Times(double? v) => v is double x ? x.ToString("0.00", CultureInfo.InvariantCulture) + "×" : "–";
    private static string F(double? v) => v is double x ? x.ToString("R", CultureInfo.InvariantCulture) : "";
    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);
    private static string Quote(string s) => s.Contains(',') || s.Contains('"') ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;

    [GeneratedRegex("[^A-Za-z0-9._-]")]
    private static partial Regex UnsafeChars();
}
