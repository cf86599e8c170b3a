// PruneVid.NET — evaluation: accuracy against achieved retention, one line per strategy (ScottPlot).
using ScottPlot;

namespace PruneVid.Runtime.Evaluation;

/// <summary>
/// The sweep plot: each row is a point at its mean achieved retention; rows of one strategy at several budgets
/// (<see cref="StrategySummary.Family"/>) are joined by a line, sorted by retention; a strategy run once is a point.
/// </summary>
internal static class AccuracyRetentionPlot
{
    public static string Save(IReadOnlyList<StrategySummary> rows, string path)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int colour = 0;
        foreach (var family in rows.GroupBy(r => r.Family))
        {
            var points = family.OrderBy(r => r.MeanRetentionPercent!.Value).ToArray();
            double[] xs = [.. points.Select(r => r.MeanRetentionPercent!.Value)], ys = [.. points.Select(r => r.AccuracyPercent!.Value)];
            var scatter = plot.Add.Scatter(xs, ys, palette.GetColor(colour++));
            scatter.MarkerSize = 9;
            scatter.LineWidth = points.Length > 1 ? 2 : 0;
            scatter.LegendText = family.Key;
        }
        plot.Title("Accuracy vs visual-token retention");
        plot.XLabel("mean achieved retention (% of visual tokens left after the last stage)");
        plot.YLabel("accuracy (%)");
        plot.Axes.SetLimitsX(0, 105);
        plot.Axes.SetLimitsY(-2, 102); // points at 0% or 100% stay visible
        plot.ShowLegend(Alignment.LowerRight);
        plot.SavePng(path, 800, 500);
        return path;
    }
}
