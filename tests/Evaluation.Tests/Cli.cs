// PruneVid.NET — evaluation tests: the `prunevid` command as a subprocess.
using System.Diagnostics;
using System.Text;

namespace PruneVid.Evaluation.Tests;

/// <summary>Starts <c>dotnet prunevid.dll …</c> from the test output folder (the CLI is a project reference).</summary>
internal static class Cli
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "prunevid.dll");

    public static Process Start(IEnumerable<string> args, StringBuilder stdout, StringBuilder stderr)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Dll);
        foreach (string a in args) start.ArgumentList.Add(a);
        start.Environment["PRUNEVID_PROGRESS_SECONDS"] = "0.5";
        foreach (string name in new[] { "SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX", "RANK", "WORLD_SIZE" }) start.Environment.Remove(name);
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public static (int ExitCode, string Stdout, string Stderr) Run(params string[] args)
    {
        StringBuilder stdout = new(), stderr = new();
        using var process = Start(args, stdout, stderr);
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"prunevid {string.Join(' ', args)} did not finish in 5 minutes; stderr: {stderr}");
        }
        process.WaitForExit();
        return (process.ExitCode, stdout.ToString(), stderr.ToString());
    }
}
