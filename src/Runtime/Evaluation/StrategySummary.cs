// PruneVid.NET — evaluation: per-strategy numbers of a report, computed from the result lines alone.
namespace PruneVid.Runtime.Evaluation;

/// <summary>
/// One strategy's row. Accuracy counts lines with an answer key (an error or no prediction counts as wrong);
/// retention and timings average the lines without an error. Relative accuracy and speed-up compare with the
/// baseline strategy (<c>noop</c>) when the run has it; speed-up is the ratio of mean language-side time
/// (reduction + prefill + decode), the part a reducer changes.
/// </summary>
public sealed record StrategySummary(string Strategy, int N, int Scored, int Correct, int NoPrediction, int Errors,
    double? AccuracyPercent, double? RelativeAccuracyPercent, double? MeanRetentionPercent,
    double? MeanPrefillMs, double? MeanDecodeMs, double? MeanTtftMs, double? MeanLanguageMs, double? SpeedUp)
{
    /// <summary>The name of the baseline strategy.</summary>
    public const string Baseline = "noop";

    /// <summary>Rows for <paramref name="strategies"/> (in that order) from <paramref name="records"/>.</summary>
    public static IReadOnlyList<StrategySummary> Compute(IReadOnlyList<string> strategies, IReadOnlyList<EvalRecord> records)
    {
        var rows = strategies.Select(s => Row(s, [.. records.Where(r => r.Strategy == s)])).ToList();
        StrategySummary? baseline = rows.FirstOrDefault(r => r.Strategy == Baseline);
        return [.. rows.Select(r => r with
        {
            RelativeAccuracyPercent = baseline?.AccuracyPercent is > 0 && r.AccuracyPercent is double a ? 100.0 * a / baseline.AccuracyPercent.Value : null,
            SpeedUp = baseline?.MeanLanguageMs is > 0 && r.MeanLanguageMs is > 0 ? baseline.MeanLanguageMs.Value / r.MeanLanguageMs.Value : null,
        })];
    }

    private static StrategySummary Row(string strategy, IReadOnlyList<EvalRecord> lines)
    {
        var scored = lines.Where(r => r.Correct is not null).ToList();
        var ok = lines.Where(r => r.Error is null).ToList();
        double? Mean(Func<EvalRecord, double> f) => ok.Count == 0 ? null : ok.Average(f);
        int correct = scored.Count(r => r.Correct == true);
        return new StrategySummary(strategy, lines.Count, scored.Count, correct,
            NoPrediction: ok.Count(r => r.Prediction is null), Errors: lines.Count - ok.Count,
            AccuracyPercent: scored.Count == 0 ? null : 100.0 * correct / scored.Count, RelativeAccuracyPercent: null,
            MeanRetentionPercent: Mean(r => r.RetentionPercent), MeanPrefillMs: Mean(r => r.PrefillMs), MeanDecodeMs: Mean(r => r.DecodeMs),
            MeanTtftMs: Mean(r => r.TtftMs), MeanLanguageMs: Mean(r => r.ReductionMs + r.PrefillMs + r.DecodeMs), SpeedUp: null);
    }
}
