// PruneVid.NET — media tests.
using System.Diagnostics;

namespace PruneVid.Runtime.Tests.Media;

/// <summary>Small synthetic videos and images made with the ffmpeg CLI in a per-class temp folder.</summary>
public sealed class TestMedia : IDisposable
{
    public TestMedia() => Folder = Directory.CreateTempSubdirectory("prunevid-media-").FullName;

    public string Folder { get; }

    /// <summary>
    /// A lossless (FFV1, planar RGB) clip whose frame N is filled with R = N, G = 255 − N, B = 40, so every decoded
    /// pixel tells which source frame it came from.
    /// </summary>
    public string NumberedVideo(string name, int width, int height, int rate, double seconds, string container = "mkv")
    {
        string path = Path.Combine(Folder, $"{name}.{container}");
        Ffmpeg($"-f lavfi -i nullsrc=s={width}x{height}:r={rate}:d={seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)} " +
               $"-vf geq=r='N':g='255-N':b='40' -c:v ffv1 -pix_fmt gbrp \"{path}\"");
        return path;
    }

    /// <summary>Runs ffmpeg with <paramref name="arguments"/> and fails the test on a non-zero exit.</summary>
    public static void Ffmpeg(string arguments)
    {
        var psi = new ProcessStartInfo("ffmpeg", "-nostdin -v error -y " + arguments) { RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(psi)!;
        string err = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"ffmpeg {arguments} failed: {err}");
    }

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }
}
