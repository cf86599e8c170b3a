// PruneVid.NET — media input.
using FFMpegCore;
using FFMpegCore.Enums;
using FFMpegCore.Pipes;

namespace PruneVid.Runtime.Media;

/// <summary>
/// Runs one FFMpegCore decode of a file to raw frames on a pipe, under a time limit: the reader consumes the pipe and
/// returns true once it has every frame it wants, and ffmpeg is then stopped rather than left to decode the rest.
/// Every ffmpeg decode of the media code goes through here (probing goes through <see cref="VideoProbe"/>), so none
/// can hang.
/// </summary>
internal static class FfmpegPipe
{
    /// <summary>What a finished decode left behind.</summary>
    /// <param name="ReaderDone">The reader had all it wanted (ffmpeg was stopped early, not waited for).</param>
    /// <param name="Errors">What ffmpeg wrote to standard error (at log level error).</param>
    public readonly record struct Outcome(bool ReaderDone, IReadOnlyList<string> Errors);

    /// <summary>Decodes <paramref name="path"/> with <paramref name="outputArguments"/> (filters, pixel format) to raw video read by <paramref name="readFrames"/>.</summary>
    /// <exception cref="MediaException">ffmpeg cannot start, or it ran past <paramref name="limit"/> (the message names the file).</exception>
    public static async Task<Outcome> RunAsync(FfmpegTools tools, string path, string outputArguments,
        Func<Stream, CancellationToken, Task<bool>> readFrames, TimeSpan limit, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(limit);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
        bool readerDone = false;
        // The reader gets the deadline's token, not the one FFMpegCore passes in: FFMpegCore cancels that one as soon as
        // ffmpeg exits, which can cut off the last frames still buffered in the pipe. Reading on to the end of the
        // stream drains them; the deadline still bounds the wait.
        var sink = new StreamPipeSink(async (stream, _) =>
        {
            readerDone = await readFrames(stream, deadline.Token).ConfigureAwait(false);
            if (readerDone) await stop.CancelAsync().ConfigureAwait(false);
        }) { Format = "rawvideo" };

        FFMpegArgumentProcessor processor = FFMpegArguments
            .FromFileInput(Path.GetFullPath(path), verifyExists: false)
            .OutputToPipe(sink, options => options.WithCustomArgument(outputArguments))
            .CancellableThrough(stop.Token, TimeSpan.Zero) // stopping early or at the limit kills ffmpeg at once
            .WithLogLevel(FFMpegLogLevel.Error);
        IReadOnlyList<string> errors = [];
        try
        {
            FFMpegResult result = await processor.ProcessAsynchronously(throwOnError: false, tools.Options).ConfigureAwait(false);
            errors = result.StandardError ?? [];
        }
        catch (OperationCanceledException) when (readerDone || !cancellationToken.IsCancellationRequested)
        {
            // Stopped: either the reader has everything (fine) or the deadline passed (reported below).
        }
        catch (Exception e) when (e is FFMpegCore.Exceptions.FFMpegException or System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new MediaException($"could not run ffmpeg for '{path}': {e.Message}", e);
        }
        cancellationToken.ThrowIfCancellationRequested();
        if (!readerDone && deadline.IsCancellationRequested) throw MediaTimeLimits.Exceeded("ffmpeg", path, limit);
        return new Outcome(readerDone, errors);
    }
}
