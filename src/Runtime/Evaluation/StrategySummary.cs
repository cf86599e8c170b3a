// PruneVid.NET — evaluation: per-strategy numbers of a report, computed from the result lines alone.
namespace PruneVid.Runtime.Evaluation;

/// <summary>
/// One (strategy, retention) pair's row. Accuracy counts lines with an answer key (an error or no prediction counts as
/// wrong); retention, token-layers and timings average the lines without an error. Relative accuracy and the speed-ups
/// compare with the baseline strategy (<c>noop</c>) when the run has it. Two speed-ups, labelled apart: the
/// language-model one (<see cref="SpeedUp"/>: mean reduction + prefill + decode of noop over the strategy's, the part a
/// reducer changes) and the end-to-end one (<see cref="EndToEndSpeedUp"/>: mean video decode + preprocess + vision +
/// reduction + prefill + decode per question, what a user waits for).
/// </summary>
public sealed record StrategySummary(string Strategy, int N, int Scored, int Correct, int NoPrediction, int Errors,
    double? AccuracyPercent, double? RelativeAccuracyPercent, double? MeanRetentionPercent,
    double? MeanPrefillMs, double? MeanDecodeMs, double? MeanTtftMs, double? MeanLanguageMs, double? SpeedUp)
{
    /// <summary>The strategy without its token budget: the line of the accuracy/retention plot the row belongs to.</summary>
    public string Family => PruneVid.Strategies.StrategySpec.WithoutRetention(Strategy);

    /// <summary>The budget the row ran under (percent), or null.</summary>
    public double? TargetRetentionPercent { get; init; }

    /// <summary>Mean visual token-layers computed (percent of every vision token through every layer).</summary>
    public double? MeanVisualTokenLayersPercent { get; init; }

    /// <summary>Mean end-to-end time per question (ms).</summary>
    public double? MeanEndToEndMs { get; init; }

    /// <summary>Mean end-to-end time of noop over this row's (null without noop).</summary>
    public double? EndToEndSpeedUp { get; init; }

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
            EndToEndSpeedUp = baseline?.MeanEndToEndMs is > 0 && r.MeanEndToEndMs is > 0 ? baseline.MeanEndToEndMs.Value / r.MeanEndToEndMs.Value : null,
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
            MeanTtftMs: Mean(r => r.TtftMs), MeanLanguageMs: Mean(r => r.LanguageModelMs), SpeedUp: null)
        {
            TargetRetentionPercent = lines.Select(r => r.TargetRetentionPercent).FirstOrDefault(t => t is not null),
            MeanVisualTokenLayersPercent = ok.Any(r => r.VisualTokenLayersPercent is not null) ? ok.Where(r => r.VisualTokenLayersPercent is not null).Average(r => r.VisualTokenLayersPercent!.Value) : null,
            MeanEndToEndMs = Mean(r => r.EndToEndMs),
        };
    }
}
