// PruneVid.NET — media input.
using FFMpegCore;

namespace PruneVid.Runtime.Media;

/// <summary>
/// Where the system <c>ffmpeg</c> and <c>ffprobe</c> live. Given a folder, both must be in it; otherwise they are
/// looked up on PATH. A missing tool is reported with the command that installs it.
/// </summary>
public sealed class FfmpegTools
{
    private FfmpegTools(string folder)
    {
        Folder = folder;
        Options = new FFOptions { BinaryFolder = folder };
    }

    /// <summary>The folder holding both binaries.</summary>
    public string Folder { get; }

    /// <summary>
    /// FFMpegCore's options naming <see cref="Folder"/>, passed to each call rather than set in
    /// <see cref="GlobalFFOptions"/>, so decoders using different folders in one process do not overwrite each other.
    /// </summary>
    internal FFOptions Options { get; }

    /// <summary>Finds ffmpeg and ffprobe in <paramref name="folder"/>, or on PATH when it is null.</summary>
    /// <exception cref="MediaException">A binary is missing.</exception>
    public static FfmpegTools Locate(string? folder = null)
    {
        string[] names = OperatingSystem.IsWindows() ? ["ffmpeg.exe", "ffprobe.exe"] : ["ffmpeg", "ffprobe"];
        if (folder is not null)
        {
            var missing = names.Where(n => !File.Exists(Path.Combine(folder, n))).ToList();
            if (missing.Count > 0)
                throw new MediaException($"{string.Join(" and ", missing)} not found in '{folder}'. {InstallHint}");
            return new FfmpegTools(Path.GetFullPath(folder));
        }
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        foreach (string dir in path)
            if (names.All(n => File.Exists(Path.Combine(dir, n)))) return new FfmpegTools(dir);
        throw new MediaException($"ffmpeg and ffprobe were not found on PATH. {InstallHint}");
    }

    private const string InstallHint =
        "Video and image input needs the ffmpeg tools: install them (Debian/Ubuntu: apt-get install ffmpeg) or point to the folder that holds them.";
}
