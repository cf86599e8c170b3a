// PruneVid.NET — media input.
using System.Globalization;
using System.Text.Json;
using FFMpegCore;
using FFMpegCore.Exceptions;

namespace PruneVid.Runtime.Media;

/// <summary>
/// ffprobe's view of a file's first video stream (attached cover pictures are not video), read with FFMpegCore's
/// <see cref="FFProbe"/>. The frame count is the container's <c>nb_frames</c>, or, for containers that do not store
/// one (Matroska, WebM, raw streams), the number of packets ffprobe counts by demuxing the stream
/// (<c>-count_packets</c>): never duration × fps, which a damaged or lying header gets wrong.
/// </summary>
internal static class VideoProbe
{
    /// <summary>Largest frame side accepted before any buffer is sized from it.</summary>
    public const int MaxSide = 16384;

    /// <summary>Largest frame area accepted (an 8K frame is 33 million pixels).</summary>
    public const long MaxPixels = 1L << 26;

    public static async Task<VideoInfo> ProbeAsync(FfmpegTools tools, string path, TimeSpan limit, CancellationToken cancellationToken)
    {
        IMediaAnalysis analysis = await AnalyseAsync(tools, path, null, limit, cancellationToken).ConfigureAwait(false);
        VideoStream stream = analysis.VideoStreams.FirstOrDefault(s => !(s.Disposition?.GetValueOrDefault("attached_pic") ?? false))
                             ?? throw new MediaException($"'{path}' has no video stream (it holds {StreamKinds(analysis)})");

        int width = stream.Width ?? 0, height = stream.Height ?? 0;
        if (width <= 0 || height <= 0) throw new MediaException($"'{path}': ffprobe reports no frame size for the video stream");
        if (width > MaxSide || height > MaxSide || (long)width * height > MaxPixels)
            throw new MediaException($"'{path}': frames of {width}x{height} are larger than the {MaxSide}x{MaxSide} (at most {MaxPixels:N0} pixels) this decoder accepts");
        double fps = Positive(stream.AverageFrameRate) ?? Positive(stream.RealFrameRate) ?? 0;
        // The stream's own duration when ffprobe reports one, else the container's. FFMpegCore's VideoStream.Duration
        // also falls back to a DURATION tag, which Matroska writers set and a damaged header need not agree with.
        FFProbeStream? raw = RawStream(analysis, stream.Index);
        TimeSpan duration = !string.IsNullOrEmpty(raw?.Duration) && stream.Duration > TimeSpan.Zero ? stream.Duration : analysis.Format?.Duration ?? TimeSpan.Zero;
        int? frames = Count(raw, "nb_frames") ?? await CountPacketsAsync(tools, path, stream.Index, limit, cancellationToken).ConfigureAwait(false);
        return new VideoInfo(path, width, height, frames ?? 0, fps, duration < TimeSpan.Zero ? TimeSpan.Zero : duration, stream.CodecName ?? "")
        {
            StreamIndex = stream.Index,
        };
    }

    private static async Task<int?> CountPacketsAsync(FfmpegTools tools, string path, int index, TimeSpan limit, CancellationToken cancellationToken)
    {
        string select = index.ToString(CultureInfo.InvariantCulture);
        IMediaAnalysis counted = await AnalyseAsync(tools, path, $"-count_packets -select_streams {select}", limit, cancellationToken).ConfigureAwait(false);
        return Count(RawStream(counted, index), "nb_read_packets");
    }

    /// <summary>FFProbe.AnalyseAsync under <paramref name="limit"/>; failures become a <see cref="MediaException"/> naming the file.</summary>
    private static async Task<IMediaAnalysis> AnalyseAsync(FfmpegTools tools, string path, string? customArguments, TimeSpan limit, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(limit);
        try
        {
            return await FFProbe.AnalyseAsync(Path.GetFullPath(path), tools.Options, customArguments, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw MediaTimeLimits.Exceeded("ffprobe", path, limit);
        }
        catch (FFProbeProcessException e)
        {
            throw new MediaException($"'{path}' is not a video ffmpeg can read{FfmpegSays(e.StandardError, path)}", e);
        }
        catch (Exception e) when (e is FFMpegException or JsonException or FormatException or OverflowException)
        {
            throw new MediaException($"'{path}' is not a video ffmpeg can read (ffprobe's report could not be read)", e);
        }
    }

    /// <summary>" (ffmpeg: …)" from the last line ffmpeg wrote to standard error, the file path removed (the message names it already), or "".</summary>
    internal static string FfmpegSays(IEnumerable<string>? errorLines, string path)
    {
        string line = errorLines?.Select(l => l.Trim()).LastOrDefault(l => l.Length > 0) ?? "";
        if (line.Length == 0) return "";
        if (line.Length > 300) line = line[..300] + " …";
        string full = Path.GetFullPath(path);
        foreach (string name in new[] { full, path })
            line = line.Replace(name + ": ", "", StringComparison.Ordinal).Replace(name, "the file", StringComparison.Ordinal);
        return $" (ffmpeg: {line})";
    }

    private static FFProbeStream? RawStream(IMediaAnalysis analysis, int index) =>
        analysis.Raw?.Streams?.FirstOrDefault(s => s.Index == index);

    private static string StreamKinds(IMediaAnalysis analysis)
    {
        var streams = analysis.Raw?.Streams;
        if (streams is null || streams.Count == 0) return "no streams";
        var kinds = streams.Select(s => string.IsNullOrEmpty(s.CodecType) ? "unknown" : s.CodecType)
            .GroupBy(k => k).Select(g => $"{g.Count()} {g.Key}").ToList();
        return "streams: " + Errors.UserMessages.List(kinds);
    }

    /// <summary>A count ffprobe reports as a string ("20"), kept in FFMpegCore's extension data; null when absent or not positive.</summary>
    private static int? Count(FFProbeStream? stream, string key) =>
        stream?.ExtensionData is { } extra && extra.TryGetValue(key, out JsonElement v) && v.ValueKind == JsonValueKind.String &&
        int.TryParse(v.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : null;

    private static double? Positive(double rate) => double.IsFinite(rate) && rate > 0 ? rate : null;
}
