// PruneVid.NET — demo: a small synthetic video made with ffmpeg (no download).
using System.Diagnostics;
using PruneVid.Runtime.Media;

namespace PruneVid.Runtime.Demo;

/// <summary>Writes ffmpeg's moving <c>testsrc</c> pattern as a short MPEG-4 clip.</summary>
public static class SyntheticVideo
{
    /// <summary>Creates <paramref name="path"/> (it must not exist) and returns it.</summary>
    public static async Task<string> CreateAsync(string path, int seconds = 4, int width = 336, int height = 224, int rate = 10,
        string? ffmpegFolder = null, CancellationToken cancellationToken = default)
    {
        if (File.Exists(path)) throw new IOException($"'{path}' already exists; the demo never overwrites files");
        var tools = FfmpegTools.Locate(ffmpegFolder);
        var start = new ProcessStartInfo(Path.Combine(tools.Folder, OperatingSystem.IsWindows() ? "ffmpeg.exe" : "ffmpeg"))
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (string arg in new[] { "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", $"testsrc=duration={seconds}:size={width}x{height}:rate={rate}",
                     "-c:v", "mpeg4", "-q:v", "4", "-pix_fmt", "yuv420p", path })
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new MediaException("could not start ffmpeg");
        Task<string> errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0) throw new MediaException($"ffmpeg could not write the demo video: {(await errors.ConfigureAwait(false)).Trim()}");
        return path;
    }
}
