// PruneVid.NET — evaluation: accuracy against retention, one labelled point per strategy (ScottPlot).
using ScottPlot;

namespace PruneVid.Runtime.Evaluation;

internal static class AccuracyRetentionPlot
{
    public static string Save(IReadOnlyList<StrategySummary> rows, string path)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        for (int i = 0; i < rows.Count; i++)
        {
            double x = rows[i].MeanRetentionPercent!.Value, y = rows[i].AccuracyPercent!.Value;
            var marker = plot.Add.Marker(x, y, MarkerShape.FilledCircle, size: 10, color: palette.GetColor(i));
            marker.LegendText = rows[i].Strategy;
        }
        plot.Title("Accuracy vs visual-token retention");
        plot.XLabel("mean retention (% of visual tokens kept)");
        plot.YLabel("accuracy (%)");
        plot.Axes.SetLimitsX(0, 105);
        plot.Axes.SetLimitsY(-2, 102); // points at 0% or 100% stay visible
        plot.ShowLegend(Alignment.LowerRight);
        plot.SavePng(path, 800, 500);
        return path;
    }
}
