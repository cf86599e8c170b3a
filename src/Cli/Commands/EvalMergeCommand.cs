// PruneVid.NET — command line: `eval merge` and `eval report`.
using System.CommandLine;
using PruneVid.Runtime.Evaluation;

namespace PruneVid.Cli.Commands;

/// <summary>
/// <c>eval merge OUT…</c> combines the shard files and checks that every planned pair has exactly one line;
/// <c>eval report OUT…</c> does the same, then writes report.md, report.csv, the plot and the submission files.
/// </summary>
internal static class EvalMergeCommand
{
    public static Command CreateMerge() => Create("merge", "Combine shard result files; fails naming any missing or duplicated (q_uid, strategy)", report: false);

    public static Command CreateReport() => Create("report", "Write report.md, report.csv, accuracy_vs_retention.png and submission-<strategy>.json", report: true);

    private static Command Create(string name, string description, bool report)
    {
        var folders = new Argument<DirectoryInfo[]>("folders") { Description = "Result folder(s) of the run (the --out of every shard)", Arity = ArgumentArity.OneOrMore };
        var into = new Option<DirectoryInfo?>("--into") { Description = "Where to write (default: the first folder)" };
        var command = new Command(name, description) { folders, into };
        command.SetAction(parse =>
        {
            DirectoryInfo[] dirs = parse.GetValue(folders)!;
            string target = (parse.GetValue(into) ?? dirs[0]).FullName;
            MergedResults merged = ResultMerge.Merge([.. dirs.Select(d => d.FullName)]);
            string mergedFile = ResultMerge.Write(merged, target);
            Console.Error.WriteLine($"merged {merged.Records.Count} lines ({merged.ShardFiles} shard file(s) of {merged.ShardCount}) into {mergedFile}");
            if (!report) return 0;
            foreach (string file in EvalReport.Write(merged, target)) Console.Error.WriteLine($"wrote {file}");
            Console.WriteLine(EvalReport.Markdown(StrategySummary.Compute(merged.Strategies, merged.Records), merged));
            return 0;
        });
        return command;
    }
}
