// PruneVid.NET — evaluation: which part of the questions this process takes.
using System.Globalization;

namespace PruneVid.Runtime.Evaluation;

/// <summary>
/// Shard <see cref="Index"/> of <see cref="Count"/>: question k (in sorted order) belongs to the shard k mod Count
/// (strided, as lmms-eval splits by rank). <see cref="Source"/> says where the numbers came from, for the run log.
/// </summary>
public sealed record Shard(int Index, int Count, string Source)
{
    /// <summary>The whole set in one shard.</summary>
    public static Shard Single { get; } = new(0, 1, "single shard (no --shard flag and no launcher environment)");

    /// <summary>The questions of this shard, in order.</summary>
    public IReadOnlyList<T> Select<T>(IReadOnlyList<T> items) => [.. items.Where((_, k) => k % Count == Index)];

    /// <summary>The results file name: <c>results-&lt;i&gt;-of-&lt;n&gt;.jsonl</c>.</summary>
    public string ResultFileName => $"results-{Index}-of-{Count}.jsonl";

    /// <summary>The plan file name: <c>plan-&lt;i&gt;-of-&lt;n&gt;.json</c>.</summary>
    public string PlanFileName => $"plan-{Index}-of-{Count}.json";

    /// <summary>
    /// The shard, in the order users expect: the explicit flag (<c>i/n</c>), a Slurm job array
    /// (<c>SLURM_ARRAY_TASK_ID</c>, <c>_COUNT</c>, <c>_MIN</c>, <c>_STEP</c>), a Kubernetes Indexed Job
    /// (<c>JOB_COMPLETION_INDEX</c> with the count from <paramref name="countForIndexedJob"/> or
    /// <c>PRUNEVID_SHARD_COUNT</c>), <c>RANK</c>/<c>WORLD_SIZE</c>, else a single shard.
    /// </summary>
    /// <exception cref="EvalDataException">A value is malformed or out of range, or an Indexed Job gave no count.</exception>
    public static Shard Resolve(string? flag, Func<string, string?> environment, int? countForIndexedJob = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (!string.IsNullOrWhiteSpace(flag))
        {
            string[] parts = flag.Split('/');
            if (parts.Length != 2 || !TryInt(parts[0], out int i) || !TryInt(parts[1], out int n))
                throw new EvalDataException($"--shard '{flag}' must be INDEX/COUNT with whole numbers, e.g. 0/4");
            return Checked(i, n, $"--shard {flag}");
        }
        if (environment("SLURM_ARRAY_TASK_ID") is { } slurmId)
        {
            int id = Int("SLURM_ARRAY_TASK_ID", slurmId);
            int count = Int("SLURM_ARRAY_TASK_COUNT", environment("SLURM_ARRAY_TASK_COUNT")
                ?? throw new EvalDataException("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not; pass --shard i/n"));
            int min = environment("SLURM_ARRAY_TASK_MIN") is { } m ? Int("SLURM_ARRAY_TASK_MIN", m) : 0;
            int step = environment("SLURM_ARRAY_TASK_STEP") is { } s ? Int("SLURM_ARRAY_TASK_STEP", s) : 1;
            if (step <= 0 || (id - min) % step != 0)
                throw new EvalDataException($"SLURM_ARRAY_TASK_ID {id} is not on the array's grid (min {min}, step {step})");
            return Checked((id - min) / step, count, $"Slurm job array (SLURM_ARRAY_TASK_ID={id}, COUNT={count}, MIN={min}, STEP={step})");
        }
        if (environment("JOB_COMPLETION_INDEX") is { } k8sIndex)
        {
            int index = Int("JOB_COMPLETION_INDEX", k8sIndex);
            int count = countForIndexedJob ?? (environment("PRUNEVID_SHARD_COUNT") is { } c ? Int("PRUNEVID_SHARD_COUNT", c)
                : throw new EvalDataException("JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but the shard count is not: " +
                                              "pass --shard-count N (spec.completions) or set PRUNEVID_SHARD_COUNT"));
            return Checked(index, count, $"Kubernetes Indexed Job (JOB_COMPLETION_INDEX={index}, count {count})");
        }
        if (environment("RANK") is { } rankText)
        {
            int rank = Int("RANK", rankText);
            int world = Int("WORLD_SIZE", environment("WORLD_SIZE")
                ?? throw new EvalDataException("RANK is set but WORLD_SIZE is not; pass --shard i/n"));
            return Checked(rank, world, $"RANK={rank}/WORLD_SIZE={world}");
        }
        return Single;
    }

    private static Shard Checked(int index, int count, string source)
    {
        if (count < 1) throw new EvalDataException($"{source}: the shard count must be at least 1");
        if (index < 0 || index >= count) throw new EvalDataException($"{source}: shard index {index} is outside 0..{count - 1}");
        return new Shard(index, count, source);
    }

    private static int Int(string name, string value) =>
        TryInt(value, out int v) ? v : throw new EvalDataException($"{name}='{value}' is not a whole number");

    private static bool TryInt(string text, out int value) =>
        int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
}
