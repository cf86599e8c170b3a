// PruneVid.NET — command line entry point.
using System.CommandLine;
using PruneVid.Cli.Commands;

var root = new RootCommand("PruneVid.NET: video question answering with Qwen2.5-VL and pluggable video-token reducers.");
// One file per command under Commands/, each exposing Create().
foreach (var command in CommandCatalog.All()) root.Subcommands.Add(command);
return await root.Parse(args).InvokeAsync();
