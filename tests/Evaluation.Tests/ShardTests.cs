// PruneVid.NET — evaluation tests: which shard a process takes, from a flag or a launcher's environment.
using PruneVid.Runtime.Evaluation;

namespace PruneVid.Evaluation.Tests;

public sealed class ShardTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] vars) =>
        name => vars.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void QuestionsAreSplitStrided()
    {
        int[] items = [.. Enumerable.Range(0, 7)];
        Assert.Equal([1, 4], new Shard(1, 3, "t").Select(items));
        Assert.Equal(items, new Shard(0, 3, "t").Select(items).Concat(new Shard(1, 3, "t").Select(items)).Concat(new Shard(2, 3, "t").Select(items)).Order());
    }

    [Fact]
    public void TheFlagWinsOverEveryEnvironment()
    {
        var s = Shard.Resolve("2/5", Env(("SLURM_ARRAY_TASK_ID", "0"), ("SLURM_ARRAY_TASK_COUNT", "2"), ("RANK", "1"), ("WORLD_SIZE", "2")));
        Assert.Equal((2, 5), (s.Index, s.Count));
        Assert.Contains("--shard", s.Source);
    }

    [Fact]
    public void SlurmArraysThatStartAtOneOrStepMapToConsecutiveShards()
    {
        // --array=1-7:2 → ids 1,3,5,7 → shards 0..3 of 4.
        var s = Shard.Resolve(null, Env(("SLURM_ARRAY_TASK_ID", "5"), ("SLURM_ARRAY_TASK_COUNT", "4"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_STEP", "2"), ("RANK", "0"), ("WORLD_SIZE", "9")));
        Assert.Equal((2, 4), (s.Index, s.Count));
        Assert.Contains("Slurm job array", s.Source);
    }

    [Fact]
    public void KubernetesIndexedJobsNeedTheCountPassedIn()
    {
        var s = Shard.Resolve(null, Env(("JOB_COMPLETION_INDEX", "3")), countForIndexedJob: 8);
        Assert.Equal((3, 8), (s.Index, s.Count));
        Assert.Contains("Kubernetes Indexed Job", s.Source);
        Assert.Equal((1, 4), (Shard.Resolve(null, Env(("JOB_COMPLETION_INDEX", "1"), ("PRUNEVID_SHARD_COUNT", "4"))) is var e ? (e.Index, e.Count) : default));
        var error = Assert.Throws<EvalDataException>(() => Shard.Resolve(null, Env(("JOB_COMPLETION_INDEX", "1"))));
        Assert.Contains("--shard-count", error.Message);
    }

    [Fact]
    public void RankAndWorldSizeAreTheLastResortThenASingleShard()
    {
        var s = Shard.Resolve(null, Env(("RANK", "1"), ("WORLD_SIZE", "2")));
        Assert.Equal((1, 2), (s.Index, s.Count));
        Assert.Equal(Shard.Single, Shard.Resolve(null, Env()));
    }

    [Theory]
    [InlineData("3/3", "outside 0..2")]
    [InlineData("1/0", "at least 1")]
    [InlineData("a/b", "must be INDEX/COUNT")]
    [InlineData("1", "must be INDEX/COUNT")]
    public void BadFlagsAreRefused(string flag, string message)
    {
        var e = Assert.Throws<EvalDataException>(() => Shard.Resolve(flag, Env()));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void BadEnvironmentValuesAreNamed()
    {
        Assert.Contains("SLURM_ARRAY_TASK_COUNT is not", Assert.Throws<EvalDataException>(() => Shard.Resolve(null, Env(("SLURM_ARRAY_TASK_ID", "1")))).Message);
        Assert.Contains("RANK='x' is not a whole number", Assert.Throws<EvalDataException>(() => Shard.Resolve(null, Env(("RANK", "x"), ("WORLD_SIZE", "2")))).Message);
        Assert.Contains("not on the array's grid", Assert.Throws<EvalDataException>(() => Shard.Resolve(null,
            Env(("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_COUNT", "4"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_STEP", "2")))).Message);
    }
}
