// PruneVid.NET — demo: a small synthetic video made with ffmpeg (no download).
using FFMpegCore;
using FFMpegCore.Enums;
using FFMpegCore.Exceptions;
using PruneVid.Runtime.Media;

namespace PruneVid.Tools.Demo;

/// <summary>Writes ffmpeg's moving <c>testsrc</c> pattern as a short MPEG-4 clip (through FFMpegCore, like all media code).</summary>
public static class SyntheticVideo
{
    /// <summary>Creates <paramref name="path"/> (it must not exist) and returns it.</summary>
    public static async Task<string> CreateAsync(string path, int seconds = 4, int width = 336, int height = 224, int rate = 10,
        string? ffmpegFolder = null, CancellationToken cancellationToken = default)
    {
        if (File.Exists(path)) throw new IOException($"'{path}' already exists; the demo never overwrites files");
        var tools = FfmpegTools.Locate(ffmpegFolder);
        try
        {
            await FFMpegArguments
                .FromFileInput($"testsrc=duration={seconds}:size={width}x{height}:rate={rate}", verifyExists: false, input => input.ForceFormat("lavfi"))
                .OutputToFile(path, overwrite: false, output => output.WithVideoCodec("mpeg4").WithCustomArgument("-q:v 4 -pix_fmt yuv420p"))
                .CancellableThrough(cancellationToken)
                .WithLogLevel(FFMpegLogLevel.Error)
                .ProcessAsynchronously(throwOnError: true, tools.Options).ConfigureAwait(false);
        }
        catch (FFMpegException e)
        {
            throw new MediaException($"ffmpeg could not write the demo video '{path}': {e.Message.Trim()}", e);
        }
        return path;
    }
}
