// PruneVid.NET — evaluation: combine the shard files of a run and check that nothing is missing or doubled.
using System.Text;
using System.Text.RegularExpressions;

namespace PruneVid.Runtime.Evaluation;

/// <summary>The combined results of a run, in plan order (questions sorted, strategies as given).</summary>
public sealed record MergedResults(IReadOnlyList<string> Strategies, IReadOnlyList<EvalRecord> Records, int ShardCount, int ShardFiles);

/// <summary>
/// Reads <c>plan-*-of-N.json</c> and <c>results-*-of-N.jsonl</c> from one or more folders and checks them against
/// each other: every shard has a plan, the plans agree, every planned (q_uid, strategy) has exactly one line in the
/// shard files, and no line is outside the plans. Any failure is reported with the pairs it concerns.
/// </summary>
public static partial class ResultMerge
{
    /// <summary>The name of the merged file a merge writes.</summary>
    public const string MergedFileName = "results.jsonl";

    /// <summary>Merges the shard files found in <paramref name="folders"/>.</summary>
    /// <exception cref="EvalDataException">Plans are missing or disagree, or pairs are missing, duplicated or unplanned.</exception>
    public static MergedResults Merge(IReadOnlyList<string> folders)
    {
        if (folders.Count == 0) throw new EvalDataException("no result folders given");
        foreach (string f in folders) if (!Directory.Exists(f)) throw new EvalDataException($"result folder '{f}' not found");
        var plans = folders.SelectMany(f => Directory.EnumerateFiles(f, "plan-*-of-*.json")).Select(p => (Path: p, Plan: EvalPlan.Read(p))).ToList();
        if (plans.Count == 0) throw new EvalDataException($"no plan-*-of-*.json in {string.Join(", ", folders)}: is this the --out folder of `prunevid eval`?");
        var first = plans[0].Plan;
        var problems = new List<string>();
        foreach (var (path, plan) in plans)
            if (plan.ShardCount != first.ShardCount || !plan.Strategies.SequenceEqual(first.Strategies) || plan.Scoring != first.Scoring || plan.Settings != first.Settings)
                problems.Add($"'{path}' belongs to another run (shards {plan.ShardCount}, strategies {string.Join(", ", plan.Strategies)}, scoring {plan.Scoring}, {plan.Settings})");
        var byShard = plans.GroupBy(p => p.Plan.ShardIndex).ToDictionary(g => g.Key, g => g.ToList());
        for (int i = 0; i < first.ShardCount; i++)
        {
            if (!byShard.TryGetValue(i, out var found)) problems.Add($"shard {i} of {first.ShardCount} has no plan file: it never started");
            else if (found.Count > 1) problems.Add($"shard {i} has {found.Count} plan files: {string.Join(", ", found.Select(p => p.Path))}");
        }
        if (problems.Count > 0) throw new EvalDataException("cannot merge: " + string.Join("; ", problems));

        var expected = new HashSet<(string, string)>();
        var questionOrder = new List<string>();
        foreach (var (_, plan) in plans.OrderBy(p => p.Plan.ShardIndex))
            foreach (string q in plan.QUids)
            {
                questionOrder.Add(q);
                foreach (string s in plan.Strategies) expected.Add((q, s));
            }

        var seen = new Dictionary<(string, string), (EvalRecord Record, string File)>();
        var duplicates = new List<string>();
        var unplanned = new List<string>();
        int files = 0;
        foreach (string file in folders.SelectMany(f => Directory.EnumerateFiles(f, "results-*-of-*.jsonl")).Order(StringComparer.Ordinal))
        {
            if (ShardCountOf(file) != first.ShardCount) { problems.Add($"'{file}' is a shard file of a {ShardCountOf(file)}-shard run, not of this {first.ShardCount}-shard one"); continue; }
            files++;
            var lines = ResultFile.ReadAll(file, out long torn);
            foreach (EvalRecord r in lines)
            {
                if (seen.TryGetValue(r.Key, out var other)) duplicates.Add($"({r.QUid}, {r.Strategy}) in '{other.File}' and '{file}'");
                else if (!expected.Contains(r.Key)) unplanned.Add($"({r.QUid}, {r.Strategy}) in '{file}'");
                else seen[r.Key] = (r, file);
            }
            if (torn > 0) problems.Add($"'{file}' ends with a torn line ({torn} bytes): its shard was interrupted; rerun it to finish");
        }
        var missing = expected.Where(k => !seen.ContainsKey(k)).Select(k => $"({k.Item1}, {k.Item2})").Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0) problems.Add($"{missing.Count} pair(s) have no result line (rerun their shards to finish): {JsonFiles.FirstFew(missing)}");
        if (duplicates.Count > 0) problems.Add($"{duplicates.Count} pair(s) have more than one line: {JsonFiles.FirstFew(duplicates)}");
        if (unplanned.Count > 0) problems.Add($"{unplanned.Count} line(s) answer pairs no plan asked for: {JsonFiles.FirstFew(unplanned)}");
        if (problems.Count > 0) throw new EvalDataException("cannot merge: " + string.Join("; ", problems));

        var strategyRank = first.Strategies.Select((s, i) => (s, i)).ToDictionary(x => x.s, x => x.i);
        var records = seen.Values.Select(v => v.Record)
            .OrderBy(r => r.QUid, StringComparer.Ordinal).ThenBy(r => strategyRank[r.Strategy]).ToList();
        return new MergedResults(first.Strategies, records, first.ShardCount, files);
    }

    /// <summary>Writes the merged lines to <paramref name="folder"/>/results.jsonl (through a temporary file, so it is whole or absent).</summary>
    public static string Write(MergedResults merged, string folder)
    {
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, MergedFileName), temporary = path + ".tmp";
        var text = new StringBuilder();
        foreach (var r in merged.Records) text.Append(r.ToJsonLine()).Append('\n');
        File.WriteAllText(temporary, text.ToString());
        File.Move(temporary, path, overwrite: true); // derived from the shard files, which stay untouched
        return path;
    }

    private static int ShardCountOf(string file) =>
        ShardFile().Match(Path.GetFileName(file)) is { Success: true } m ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : -1;

    [GeneratedRegex(@"^results-\d+-of-(\d+)\.jsonl$")]
    private static partial Regex ShardFile();
}
