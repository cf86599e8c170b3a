// PruneVid.NET — evaluation tests: the `prunevid` command as a subprocess.
using System.Diagnostics;
using System.Text;

namespace PruneVid.Evaluation.Tests;

/// <summary>
/// The command as the evaluation tests run it (through the shared <see cref="CliProcess"/>): progress lines every half
/// second, and none of the schedulers' shard variables, so each test picks its own shard.
/// </summary>
internal static class Cli
{
    private static readonly Dictionary<string, string?> s_environment = new()
    {
        ["PRUNEVID_PROGRESS_SECONDS"] = "0.5",
        ["SLURM_ARRAY_TASK_ID"] = null, ["JOB_COMPLETION_INDEX"] = null, ["RANK"] = null, ["WORLD_SIZE"] = null,
    };

    public static Process Start(IEnumerable<string> args, StringBuilder stdout, StringBuilder stderr) =>
        CliProcess.Start(args, stdout, stderr, s_environment);

    public static (int ExitCode, string Stdout, string Stderr) Run(params string[] args) =>
        CliProcess.Run(args, TimeSpan.FromMinutes(5), s_environment);
}
