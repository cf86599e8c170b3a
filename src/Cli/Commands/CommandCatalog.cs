// PruneVid.NET — command line.
using System.CommandLine;

namespace PruneVid.Cli.Commands;

/// <summary>The list of subcommands; each lives in its own file with a static Create().</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return RunCommand.Create();
        yield return DemoCommand.Create();
        yield return StrategiesCommand.Create();
        yield return ParityCommand.Create();
        yield return TokenizeCommand.Create();
        yield return EvalCommand.Create();
        yield return Serve.ServeCommand.Create();
    }
}
