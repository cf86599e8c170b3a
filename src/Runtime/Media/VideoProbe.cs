// PruneVid.NET — media input.
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace PruneVid.Runtime.Media;

/// <summary>
/// ffprobe's view of a file's first video stream (attached cover pictures are not video). The frame count is the
/// container's <c>nb_frames</c>, or, for containers that do not store one (Matroska, WebM, raw streams), the number
/// of packets counted by demuxing the stream: never duration × fps, which a damaged or lying header gets wrong.
/// </summary>
internal static class VideoProbe
{
    /// <summary>Largest frame side accepted before any buffer is sized from it.</summary>
    public const int MaxSide = 16384;

    /// <summary>Largest frame area accepted (an 8K frame is 33 million pixels).</summary>
    public const long MaxPixels = 1L << 26;

    private const int MaxProbeOutput = 4 << 20;

    public static async Task<VideoInfo> ProbeAsync(FfmpegTools tools, string path, TimeSpan limit, CancellationToken cancellationToken)
    {
        string json = await RunProbeAsync(tools, path, ["-v", "error", "-print_format", "json", "-show_streams", "-show_format", Path.GetFullPath(path)],
            limit, cancellationToken).ConfigureAwait(false);
        JsonElement? format = null;
        JsonElement stream;
        try
        {
            using var document = JsonDocument.Parse(json);
            JsonElement root = document.RootElement.Clone();
            stream = FirstVideoStream(root) ?? throw new MediaException($"'{path}' has no video stream (it holds {StreamKinds(root)})");
            if (root.TryGetProperty("format", out JsonElement f)) format = f;
        }
        catch (JsonException e)
        {
            throw new MediaException($"'{path}': ffprobe's report could not be read ({e.Message.Split('.')[0]})", e);
        }

        int width = Int(stream, "width") ?? 0, height = Int(stream, "height") ?? 0;
        if (width <= 0 || height <= 0) throw new MediaException($"'{path}': ffprobe reports no frame size for the video stream");
        if (width > MaxSide || height > MaxSide || (long)width * height > MaxPixels)
            throw new MediaException($"'{path}': frames of {width}x{height} are larger than the {MaxSide}x{MaxSide} (at most {MaxPixels:N0} pixels) this decoder accepts");
        double fps = Rate(stream, "avg_frame_rate") ?? Rate(stream, "r_frame_rate") ?? 0;
        double seconds = Seconds(stream) ?? (format is { } fmt ? Seconds(fmt) : null) ?? 0;
        int index = Int(stream, "index") ?? 0;
        int? frames = Count(stream, "nb_frames");
        frames ??= await CountPacketsAsync(tools, path, index, limit, cancellationToken).ConfigureAwait(false);
        string codec = stream.TryGetProperty("codec_name", out JsonElement c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : "";
        return new VideoInfo(path, width, height, frames ?? 0, fps, TimeSpan.FromSeconds(seconds), codec) { StreamIndex = index };
    }

    private static async Task<int?> CountPacketsAsync(FfmpegTools tools, string path, int index, TimeSpan limit, CancellationToken cancellationToken)
    {
        string json = await RunProbeAsync(tools, path,
            ["-v", "error", "-count_packets", "-select_streams", index.ToString(CultureInfo.InvariantCulture), "-show_entries", "stream=nb_read_packets",
             "-print_format", "json", Path.GetFullPath(path)], limit, cancellationToken).ConfigureAwait(false);
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.TryGetProperty("streams", out JsonElement streams) && streams.ValueKind == JsonValueKind.Array &&
                   streams.GetArrayLength() > 0 ? Count(streams[0], "nb_read_packets") : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task<string> RunProbeAsync(FfmpegTools tools, string path, string[] arguments, TimeSpan limit, CancellationToken cancellationToken)
    {
        var output = new MemoryStream();
        var outcome = await FfmpegProcess.RunAsync(tools.FfprobePath, arguments, async (stdout, ct) =>
        {
            var buffer = new byte[81920];
            int read;
            while ((read = await stdout.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
            {
                if (output.Length + read > MaxProbeOutput)
                    throw new MediaException($"'{path}': ffprobe's report is larger than {MaxProbeOutput >> 20} MB; the file is not a video this decoder accepts");
                output.Write(buffer, 0, read);
            }
            return false;
        }, limit, path, cancellationToken).ConfigureAwait(false);
        if (outcome.ExitCode != 0)
            throw new MediaException($"'{path}' is not a video ffmpeg can read{FfmpegSays(outcome.LastError, path)}");
        return Encoding.UTF8.GetString(output.GetBuffer(), 0, (int)output.Length);
    }

    /// <summary>" (ffmpeg: …)" with the file path removed (the message names it already), or "".</summary>
    internal static string FfmpegSays(string line, string path)
    {
        if (line.Length == 0) return "";
        line = line.Replace(path + ": ", "", StringComparison.Ordinal).Replace(path, "the file", StringComparison.Ordinal);
        return $" (ffmpeg: {line})";
    }

    private static JsonElement? FirstVideoStream(JsonElement root)
    {
        if (!root.TryGetProperty("streams", out JsonElement streams) || streams.ValueKind != JsonValueKind.Array) return null;
        foreach (JsonElement s in streams.EnumerateArray())
        {
            if (s.TryGetProperty("codec_type", out JsonElement type) && type.ValueKind == JsonValueKind.String && type.GetString() == "video" &&
                !(s.TryGetProperty("disposition", out JsonElement d) && Int(d, "attached_pic") == 1))
                return s;
        }
        return null;
    }

    private static string StreamKinds(JsonElement root)
    {
        if (!root.TryGetProperty("streams", out JsonElement streams) || streams.ValueKind != JsonValueKind.Array || streams.GetArrayLength() == 0)
            return "no streams";
        var kinds = streams.EnumerateArray()
            .Select(s => s.TryGetProperty("codec_type", out JsonElement t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "unknown")
            .GroupBy(k => k).Select(g => $"{g.Count()} {g.Key}").ToList();
        return "streams: " + Errors.UserMessages.List(kinds);
    }

    private static int? Int(JsonElement e, string key) =>
        e.TryGetProperty(key, out JsonElement v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : null;

    private static int? Count(JsonElement e, string key) =>
        e.TryGetProperty(key, out JsonElement v) && v.ValueKind == JsonValueKind.String &&
        int.TryParse(v.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : null;

    private static double? Seconds(JsonElement e) =>
        e.TryGetProperty("duration", out JsonElement v) && v.ValueKind == JsonValueKind.String &&
        double.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out double s) && double.IsFinite(s) && s > 0 ? s : null;

    /// <summary>A rate such as "30000/1001"; null when absent or 0/0.</summary>
    private static double? Rate(JsonElement e, string key)
    {
        if (!e.TryGetProperty(key, out JsonElement v) || v.ValueKind != JsonValueKind.String) return null;
        string[] parts = v.GetString()!.Split('/');
        if (parts.Length is < 1 or > 2 || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double num)) return null;
        double den = 1;
        if (parts.Length == 2 && !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out den)) return null;
        double rate = num / den;
        return double.IsFinite(rate) && rate > 0 ? rate : null;
    }
}
