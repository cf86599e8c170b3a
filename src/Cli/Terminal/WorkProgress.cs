// PruneVid.NET — command line: progress on long work, live on a terminal, plain lines otherwise.
using System.Diagnostics;
using Spectre.Console;

namespace PruneVid.Cli.Terminal;

/// <summary>
/// Shows that something long is happening (model load, video decode, demo runs): a Spectre.Console spinner with the
/// elapsed time when standard error is a terminal, one plain line at the start and one at the end otherwise (logs,
/// pipes, CI). Output goes to standard error so standard output stays the answer.
/// </summary>
internal static class WorkProgress
{
    /// <summary>Runs <paramref name="work"/> while showing <paramref name="label"/>.</summary>
    public static async Task<T> RunAsync<T>(string label, Func<Task<T>> work)
    {
        var clock = Stopwatch.StartNew();
        T result;
        if (ErrorConsole.IsLive)
        {
            result = await ErrorConsole.Console.Status().Spinner(Spinner.Known.Dots)
                .StartAsync(Markup.Escape(label) + " …", _ => work()).ConfigureAwait(false);
        }
        else
        {
            Console.Error.WriteLine($"{label} …");
            result = await work().ConfigureAwait(false);
        }
        Console.Error.WriteLine($"{label}: done in {clock.Elapsed.TotalSeconds:0.0} s");
        return result;
    }

    /// <summary>"loading DIR (3.2 GiB of weights)": the size of the checkpoint the load maps and uploads.</summary>
    public static string ModelLabel(string modelDir)
    {
        long bytes = Directory.Exists(modelDir)
            ? Directory.EnumerateFiles(modelDir, "*.safetensors").Sum(f => new FileInfo(f).Length)
            : 0;
        return bytes == 0 ? $"loading {modelDir}" : $"loading {modelDir} ({Size(bytes)} of weights)";
    }

    private static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.0} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.0} MiB",
        _ => $"{bytes / 1024.0:0.0} KiB",
    };
}
