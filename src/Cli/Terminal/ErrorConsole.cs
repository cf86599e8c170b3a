// PruneVid.NET — command line: the one console progress is drawn on.
using Spectre.Console;

namespace PruneVid.Cli.Terminal;

/// <summary>
/// Standard error as a Spectre.Console console, and the one rule for drawing live progress on it: only when it is
/// an interactive terminal (not redirected to a log, a pipe or CI, not TERM=dumb). Standard output stays the answer.
/// </summary>
internal static class ErrorConsole
{
    private static readonly Lazy<IAnsiConsole> s_console = new(() =>
        AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(System.Console.Error) }));

    /// <summary>Standard error as a Spectre.Console console.</summary>
    public static IAnsiConsole Console => s_console.Value;

    /// <summary>True when live progress (spinners, bars) may be drawn; otherwise print plain lines.</summary>
    public static bool IsLive => !System.Console.IsErrorRedirected && Environment.GetEnvironmentVariable("TERM") != "dumb"
        && Console.Profile.Capabilities.Interactive;
}
