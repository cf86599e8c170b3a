// PruneVid.NET — command line: evaluation progress, live on a terminal, plain lines in logs.
using PruneVid.Runtime.Evaluation;
using PruneVid.Cli.Terminal;
using Spectre.Console;

namespace PruneVid.Cli.Commands;

/// <summary>
/// Shows an evaluation's progress on standard error: a live Spectre.Console bar with ETA and the running accuracy
/// per strategy on an interactive terminal, or one plain line every <see cref="PlainInterval"/> (and at the end)
/// when standard error is redirected (CI, Slurm and Kubernetes logs).
/// </summary>
internal static class EvalProgressView
{
    /// <summary>How often a plain progress line is printed.</summary>
    public static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(
        double.TryParse(Environment.GetEnvironmentVariable("PRUNEVID_PROGRESS_SECONDS"), System.Globalization.CultureInfo.InvariantCulture, out double s) && s > 0 ? s : 15);

    public static Task<EvalProgress> RunAsync(Func<Action<EvalProgress>, Task<EvalProgress>> run)
    {
        return ErrorConsole.IsLive ? RunLiveAsync(ErrorConsole.Console, run) : RunPlainAsync(run);
    }

    private static async Task<EvalProgress> RunPlainAsync(Func<Action<EvalProgress>, Task<EvalProgress>> run)
    {
        DateTime last = DateTime.MinValue;
        EvalProgress final = await run(p =>
        {
            if (DateTime.UtcNow - last < PlainInterval && p.Done < p.Total) return;
            last = DateTime.UtcNow;
            Console.Error.WriteLine(Line(p));
        });
        return final;
    }

    private static Task<EvalProgress> RunLiveAsync(IAnsiConsole console, Func<Action<EvalProgress>, Task<EvalProgress>> run) =>
        console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                ProgressTask overall = context.AddTask("pairs");
                var perStrategy = new Dictionary<string, ProgressTask>();
                return await run(p =>
                {
                    overall.MaxValue = Math.Max(1, p.Total);
                    overall.Value = p.Done;
                    overall.Description = $"pairs {p.Done}/{p.Total}";
                    foreach (var t in p.PerStrategy)
                    {
                        if (!perStrategy.TryGetValue(t.Strategy, out var task))
                            perStrategy[t.Strategy] = task = context.AddTask(Markup.Escape(t.Strategy), maxValue: Math.Max(1, p.Total / Math.Max(1, p.PerStrategy.Count)));
                        task.Value = t.Done;
                        task.Description = Markup.Escape($"{t.Strategy}  acc {Accuracy(t)}  err {t.Errors}");
                    }
                });
            });

    private static string Line(EvalProgress p) =>
        $"progress {p.Done}/{p.Total} pairs ({(p.Total == 0 ? 100 : 100.0 * p.Done / p.Total):F0}%), elapsed {p.Elapsed:hh\\:mm\\:ss}" +
        (p.Remaining is TimeSpan r ? $", ETA {r:hh\\:mm\\:ss}" : "") + "; " +
        string.Join("; ", p.PerStrategy.Select(t => $"{t.Strategy} acc {Accuracy(t)} ({t.Done} done, {t.Errors} err)"));

    private static string Accuracy(StrategyTally t) => t.Accuracy is double a ? $"{100 * a:F1}%" : "n/a";
}
