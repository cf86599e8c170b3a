// PruneVid.NET — serving tests: `prunevid serve` as a child process on a loopback port.
using System.Diagnostics;
using System.Text;

namespace PruneVid.Serving.Tests;

/// <summary>Starts the built <c>prunevid serve</c> on 127.0.0.1 with a free port and waits until /health answers 200.</summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private ServerProcess(Process process, Uri address) => (_process, Address) = (process, address);

    /// <summary>http://127.0.0.1:PORT/</summary>
    public Uri Address { get; }

    /// <summary>What the server wrote to standard error so far (for failure messages).</summary>
    public string Log { get { lock (_log) return _log.ToString(); } }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public static Task<ServerProcess> StartAsync(string model, params string[] options) => StartAsync(model, options, environment: null);

    /// <summary>Starts the server with extra environment variables (e.g. PRUNEVID_API_KEY).</summary>
    public static async Task<ServerProcess> StartAsync(string model, string[] options, IReadOnlyDictionary<string, string>? environment)
    {
        var process = Process.Start(CliProcess.StartInfo(["serve", "--model", model, "--host", "127.0.0.1", "--port", "0", "--device", "cpu", .. options],
            environment?.ToDictionary(e => e.Key, e => (string?)e.Value)))!;
        var log = new StringBuilder();
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        Uri? address = null;
        while (address is null)
        {
            string? line = await process.StandardOutput.ReadLineAsync(timeout.Token);
            if (line is null)
            {
                await process.WaitForExitAsync(timeout.Token);
                throw new InvalidOperationException($"serve exited with {process.ExitCode} before listening: {log}");
            }
            const string marker = "listening on ";
            int at = line.IndexOf(marker, StringComparison.Ordinal);
            if (at >= 0) address = new Uri(line[(at + marker.Length)..].Trim().TrimEnd('/') + "/");
        }
        _ = Task.Run(async () => { while (await process.StandardOutput.ReadLineAsync() is not null) { } });
        var server = new ServerProcess(process, address);
        server._log.Append(log);
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (server._log) server._log.AppendLine(e.Data); };
        using var http = new HttpClient { BaseAddress = address };
        while (true)
        {
            using var health = await http.GetAsync("health", timeout.Token);
            if (health.IsSuccessStatusCode) return server;
            if (process.HasExited) throw new InvalidOperationException($"serve exited while loading: {server.Log}");
            await Task.Delay(100, timeout.Token);
        }
    }

    /// <summary>Sends SIGTERM (what a service manager sends) and waits for the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()])) await kill.WaitForExitAsync();
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
