// PruneVid.NET — command line entry point.
using System.CommandLine;
using PruneVid.Cli.Commands;
using PruneVid.Runtime.Errors;

var root = new RootCommand("PruneVid.NET: video question answering with Qwen2.5-VL and pluggable video-token reducers.");
// One file per command under Commands/, each exposing Create().
foreach (var command in CommandCatalog.All()) root.Subcommands.Add(command);
try
{
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("prunevid: cancelled");
    return 130;
}
catch (Exception e)
{
    // Bad input (missing files, corrupt checkpoints, unknown strategies, no GPU …) is reported by its message, not a stack
    // trace; PRUNEVID_DEBUG=1 shows the whole exception.
    Console.Error.WriteLine(Environment.GetEnvironmentVariable("PRUNEVID_DEBUG") == "1" ? $"prunevid: {e}" : $"prunevid: {UserMessages.Describe(e)}");
    return 1;
}
