// PruneVid.NET — media input.
using System.ComponentModel;
using System.Diagnostics;

namespace PruneVid.Runtime.Media;

/// <summary>
/// Runs one ffmpeg or ffprobe command under a time limit: standard output goes to a reader, the last lines of
/// standard error are kept for messages, and the process (with any children) is killed when the limit passes, the
/// caller cancels, or the reader has all it wants. Every ffmpeg/ffprobe call of the media code goes through here,
/// so none can hang.
/// </summary>
internal static class FfmpegProcess
{
    private const int KeptErrorLines = 8;

    /// <summary>What a finished command left behind.</summary>
    /// <param name="ExitCode">The exit status (-1 when the process was stopped because the reader was done).</param>
    /// <param name="LastError">The last non-empty line ffmpeg wrote to standard error ("" when none).</param>
    public readonly record struct Outcome(int ExitCode, string LastError);

    /// <summary>
    /// Runs <paramref name="tool"/> with <paramref name="arguments"/>. <paramref name="readOutput"/> consumes standard
    /// output and returns true when it has all it needs (the process is then stopped, not waited for).
    /// </summary>
    /// <exception cref="MediaException">The tool cannot start, or it ran past <paramref name="limit"/> (the message names <paramref name="subject"/>).</exception>
    public static async Task<Outcome> RunAsync(string tool, IEnumerable<string> arguments, Func<Stream, CancellationToken, Task<bool>> readOutput,
        TimeSpan limit, string subject, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException)
        {
            throw new MediaException($"could not start {Path.GetFileName(tool)} for '{subject}': {e.Message}", e);
        }
        process.StandardInput.Close(); // ffmpeg reads commands from stdin; it must never wait for one.

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(limit);
        var errors = new Queue<string>();
        Task errorPump = PumpErrorsAsync(process.StandardError, errors);
        bool readerDone = false;
        try
        {
            readerDone = await readOutput(process.StandardOutput.BaseStream, deadline.Token).ConfigureAwait(false);
            if (!readerDone) await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Kill(process);
            throw new MediaException(
                $"{Path.GetFileName(tool)} did not finish with '{subject}' within {limit.TotalSeconds:0.#} s and was stopped; " +
                "the file may be damaged or a stream that never ends (raise VideoSamplingOptions.TimeLimit for very long videos)");
        }
        catch
        {
            Kill(process);
            throw;
        }
        if (readerDone) Kill(process);
        await errorPump.ConfigureAwait(false);
        string last;
        lock (errors) last = errors.LastOrDefault() ?? "";
        return new Outcome(readerDone ? -1 : process.ExitCode, last);
    }

    private static async Task PumpErrorsAsync(StreamReader reader, Queue<string> lines)
    {
        try
        {
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                line = line.Trim();
                if (line.Length == 0) continue;
                if (line.Length > 300) line = line[..300] + " …";
                lock (lines)
                {
                    lines.Enqueue(line);
                    if (lines.Count > KeptErrorLines) lines.Dequeue();
                }
            }
        }
        catch (IOException) { } // the process was killed mid-line
        catch (ObjectDisposedException) { }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
        catch (InvalidOperationException) { } // already gone
        catch (Win32Exception) { }
    }
}
