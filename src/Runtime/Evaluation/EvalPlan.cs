// PruneVid.NET — evaluation: what a shard was asked to do, so a merge can tell what is missing.
using System.Text.Json;

namespace PruneVid.Runtime.Evaluation;

/// <summary>
/// Written by each shard beside its results (<c>plan-&lt;i&gt;-of-&lt;n&gt;.json</c>): its question ids and the
/// strategies, and the settings that change answers (frame sampling, tokens). A merge expects exactly one line per (question, strategy) of every plan.
/// </summary>
public sealed record EvalPlan(int ShardIndex, int ShardCount, string Scoring, string Settings, IReadOnlyList<string> Strategies, IReadOnlyList<string> QUids)
{
    /// <summary>Writes the plan, or checks that the one already there asks for the same work.</summary>
    /// <exception cref="EvalDataException">The folder holds a plan of another run for this shard.</exception>
    public void WriteOrCheck(string folder, Shard shard)
    {
        string path = Path.Combine(folder, shard.PlanFileName);
        if (File.Exists(path))
        {
            EvalPlan existing = Read(path);
            if (existing.Scoring != Scoring || existing.Settings != Settings || !existing.Strategies.SequenceEqual(Strategies) || !existing.QUids.SequenceEqual(QUids))
                throw new EvalDataException($"'{folder}' already holds shard {shard.Index}/{shard.Count} of a run with other questions, strategies or scoring " +
                                            $"(strategies {string.Join(", ", existing.Strategies)}; scoring {existing.Scoring}; {existing.Settings}); resume it with the same options or use another --out");
            return;
        }
        Directory.CreateDirectory(folder);
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, EvalRecord.Json));
        File.Move(temporary, path, overwrite: false);
    }

    /// <summary>Reads a plan file.</summary>
    public static EvalPlan Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<EvalPlan>(File.ReadAllText(path), EvalRecord.Json)
                   ?? throw new EvalDataException($"'{path}' is empty");
        }
        catch (JsonException e)
        {
            throw new EvalDataException($"'{path}' is not a PruneVid evaluation plan: {e.Message}", e);
        }
    }
}
