// PruneVid.NET — command line: `eval` and its subcommands.
using System.CommandLine;

namespace PruneVid.Cli.Commands;

/// <summary>
/// <c>eval egoschema|mcq|merge|report|make-mini</c>: multiple-choice video QA evaluation of several strategies side
/// by side, sharded by the launcher (Slurm array, Kubernetes Indexed Job, RANK/WORLD_SIZE) and resumable.
/// </summary>
internal static class EvalCommand
{
    public static Command Create() => new("eval", "Evaluate strategies on multiple-choice video QA (EgoSchema or any MCQ set): sharded, resumable, with a report")
    {
        EvalRunCommand.CreateEgoSchema(),
        EvalRunCommand.CreateMcq(),
        EvalMergeCommand.CreateMerge(),
        EvalMergeCommand.CreateReport(),
        EvalMakeMiniCommand.Create(),
    };
}
