// PruneVid.NET — test support.
using System.Diagnostics;
using System.Text;

namespace PruneVid.Tests;

/// <summary>
/// The one way tests launch the <c>prunevid</c> command: <c>dotnet prunevid.dll …</c> from the CLI project's build
/// output, with both streams redirected.
/// </summary>
internal static class CliProcess
{
    private static readonly Lazy<string> s_dll = new(FindDll);

    /// <summary>
    /// The built <c>prunevid.dll</c>: beside the test assembly when the test project references the CLI, else in
    /// <c>src/Cli/bin/&lt;configuration&gt;/&lt;framework&gt;</c> of the same build.
    /// </summary>
    public static string Dll => s_dll.Value;

    /// <summary>
    /// The start info of <c>prunevid <paramref name="args"/></c>; each <paramref name="environment"/> entry is set,
    /// or removed when its value is null.
    /// </summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Dll);
        foreach (string a in args) start.ArgumentList.Add(a);
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        return start;
    }

    /// <summary>Starts the command, appending its output lines to <paramref name="stdout"/> and <paramref name="stderr"/> as they come.</summary>
    public static Process Start(IEnumerable<string> args, StringBuilder stdout, StringBuilder stderr, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var process = new Process { StartInfo = StartInfo(args, environment) };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Runs the command to its end; past <paramref name="timeout"/> it is killed and a <see cref="TimeoutException"/> names it.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(IEnumerable<string> args, TimeSpan timeout, IReadOnlyDictionary<string, string?>? environment = null)
    {
        string[] list = [.. args];
        StringBuilder stdout = new(), stderr = new();
        using Process process = Start(list, stdout, stderr, environment);
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"prunevid {string.Join(' ', list)} did not finish in {timeout.TotalMinutes:0.#} minutes; stderr: {stderr}");
        }
        process.WaitForExit(); // the output readers have drained
        return (process.ExitCode, stdout.ToString(), stderr.ToString());
    }

    private static string FindDll()
    {
        string beside = Path.Combine(AppContext.BaseDirectory, "prunevid.dll");
        if (File.Exists(beside)) return beside;
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string configuration = framework.Parent!.Name;
        string built = Path.Combine(FixturePaths.RepositoryRoot, "src", "Cli", "bin", configuration, framework.Name, "prunevid.dll");
        return File.Exists(built) ? built : throw new FileNotFoundException($"the CLI is not built at {built}", built);
    }
}
