// PruneVid.NET — benchmarks: a `prunevid serve` process on the loopback, started and stopped by the benchmark.
using System.Diagnostics;

namespace PruneVid.Bench;

/// <summary>
/// Starts <c>dotnet prunevid.dll serve --host 127.0.0.1 --port 0 …</c>, reads the address it prints, waits until
/// <c>/health</c> says the model is loaded, and on dispose stops it with SIGTERM (killing it after a minute).
/// </summary>
internal sealed class ServeLauncher : IDisposable
{
    private readonly Process _process;

    private ServeLauncher(Process process, string url)
    {
        _process = process;
        Url = url;
    }

    /// <summary>The server's base address (no trailing slash).</summary>
    public string Url { get; }

    public static ServeLauncher Start(string cliDll, IEnumerable<string> serveArgs, TimeSpan loadTimeout)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in (string[])[cliDll, "serve", "--host", "127.0.0.1", "--port", "0", .. serveArgs]) start.ArgumentList.Add(a);
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet could not be started");
        var errors = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (errors) errors.AppendLine(e.Data); };
        process.BeginErrorReadLine();
        string? url = null;
        while (url is null && process.StandardOutput.ReadLine() is { } line)
        {
            const string marker = "listening on ";
            int at = line.IndexOf(marker, StringComparison.Ordinal);
            if (at >= 0) url = line[(at + marker.Length)..].Trim().TrimEnd('/');
        }
        if (url is null)
        {
            process.WaitForExit();
            throw new InvalidOperationException($"prunevid serve exited with {process.ExitCode} before listening: {errors}");
        }
        _ = Task.Run(() => { while (process.StandardOutput.ReadLine() is not null) { } });
        var server = new ServeLauncher(process, url);
        using var http = new HttpClient();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"prunevid serve exited while loading: {errors}");
            try
            {
                using var health = http.GetAsync(url + "/health").Result;
                if (health.IsSuccessStatusCode) return server;
            }
            catch (AggregateException) { }
            if (clock.Elapsed > loadTimeout)
            {
                server.Dispose();
                throw new TimeoutException($"prunevid serve did not load the model in {loadTimeout.TotalMinutes:F0} minutes");
            }
            Thread.Sleep(200);
        }
    }

    /// <summary>The built CLI: <c>src/Cli/bin/Release/net10.0/prunevid.dll</c> above the benchmark's folder.</summary>
    public static string FindCli()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "src", "Cli", "bin", "Release", "net10.0", "prunevid.dll");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException("prunevid.dll was not found: build it (dotnet build src/Cli -c Release) or pass --cli PATH");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) term.WaitForExit();
            if (!_process.WaitForExit(TimeSpan.FromMinutes(1))) _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }
}
