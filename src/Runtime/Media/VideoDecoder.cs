// PruneVid.NET — media input.
using System.Globalization;
using System.Text;
using System.Text.Json;
using FFMpegCore;
using FFMpegCore.Pipes;
using PruneVid.Runtime.Preprocessing;

namespace PruneVid.Runtime.Media;

/// <summary>
/// Reads videos and images through the system ffmpeg (FFMpegCore): probe, pick frame indices like qwen-vl-utils,
/// decode exactly those frames to RGB24 in memory (ffmpeg's <c>select</c> filter) and resize each frame as it
/// arrives with torchvision's antialiased bicubic, so only the sampled, resized frames are ever held.
/// </summary>
public sealed class VideoDecoder
{
    private readonly FfmpegTools _tools;

    /// <summary>Uses ffmpeg/ffprobe from <paramref name="ffmpegFolder"/>, or from PATH when null.</summary>
    /// <exception cref="MediaException">ffmpeg or ffprobe is missing (the message says how to install it).</exception>
    public VideoDecoder(string? ffmpegFolder = null) => _tools = FfmpegTools.Locate(ffmpegFolder);

    /// <summary>Probes the primary video stream of <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="MediaException">ffprobe cannot read it or it has no video stream.</exception>
    public async Task<VideoInfo> ProbeAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"video file '{path}' not found", path);
        IMediaAnalysis analysis;
        try
        {
            analysis = await FFProbe.AnalyseAsync(path, _tools.Options, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new MediaException($"'{path}' is not a video ffmpeg can read: {FirstLine(e.Message)}", e);
        }
        var stream = analysis.PrimaryVideoStream
            ?? throw new MediaException($"'{path}' has no video stream");
        if (stream.Width is not > 0 || stream.Height is not > 0)
            throw new MediaException($"'{path}': ffprobe reports no frame size for the video stream");
        double fps = stream.AverageFrameRate > 0 ? stream.AverageFrameRate : stream.RealFrameRate;
        var duration = stream.Duration > TimeSpan.Zero ? stream.Duration : analysis.Duration;
        int frames = ReadFrameCount(analysis.Json, stream.Index) ?? (int)Math.Round(duration.TotalSeconds * fps);
        return new VideoInfo(path, stream.Width.Value, stream.Height.Value, frames, fps, duration, stream.CodecName ?? "");
    }

    /// <summary>
    /// Samples and decodes frames like qwen-vl-utils <c>fetch_video</c>: frame count from <paramref name="options"/>
    /// (a video longer than the frame budget is sampled more sparsely), indices by rounding a linspace, frames
    /// resized to the pixel budget.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="MediaException">Not a video, no decodable frames, a single frame, or a bad time range.</exception>
    public async Task<DecodedVideo> DecodeAsync(string path, VideoSamplingOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= VideoSamplingOptions.Default;
        var info = await ProbeAsync(path, cancellationToken).ConfigureAwait(false);
        if (info.TotalFrames <= 0) throw new MediaException($"'{path}' has no decodable frames (ffprobe reports none)");
        var (start, end, count) = FrameSampler.FrameRange(info.TotalFrames, info.Fps, options.StartTime, options.EndTime);
        int n = FrameSampler.FrameCount(options, count, info.Fps);
        int[] indices = FrameSampler.Indices(start, end, n);
        var (h, w) = FrameSampler.TargetSize(info.Height, info.Width, n, options);

        var frames = await DecodeFramesAsync(path, info.Width, info.Height, indices, h, w, cancellationToken).ConfigureAwait(false);
        double sampleFps = n / Math.Max(count, 1e-6) * info.Fps;
        return new DecodedVideo(frames, indices, sampleFps, info);
    }

    /// <summary>
    /// Decodes the first frame of an image (png, jpg, … anything ffmpeg reads) as RGB; transparent pixels are
    /// composited onto white, like qwen-vl-utils' <c>to_rgb</c>. No resizing (see <see cref="VisionPreprocessor.PreprocessImage"/>).
    /// </summary>
    public async Task<RgbFrames> DecodeImageAsync(string path, CancellationToken cancellationToken = default)
    {
        var info = await ProbeAsync(path, cancellationToken).ConfigureAwait(false);
        int frameLength = info.Width * info.Height * 4;
        var rgba = new MemoryStream();
        var errors = new StringBuilder();
        await FFMpegArguments.FromFileInput(path)
            .OutputToPipe(new StreamPipeSink(rgba) { BlockSize = 1 << 20 },
                          o => o.WithCustomArgument("-frames:v 1 -pix_fmt rgba -f rawvideo"))
            .NotifyOnStandardError(line => errors.AppendLine(line))
            .CancellableThrough(cancellationToken)
            .ProcessAsynchronously(false, _tools.Options).ConfigureAwait(false);
        if (rgba.Length < frameLength)
            throw new MediaException($"'{path}' has no decodable image{ErrorText(errors)}");
        byte[] src = rgba.GetBuffer();
        var rgb = new byte[info.Width * info.Height * 3];
        for (int p = 0, q = 0; p < frameLength; p += 4, q += 3)
        {
            int a = src[p + 3];
            for (int c = 0; c < 3; c++) rgb[q + c] = (byte)((src[p + c] * a + 255 * (255 - a) + 127) / 255);
        }
        return new RgbFrames(rgb, 1, info.Height, info.Width);
    }

    private async Task<RgbFrames> DecodeFramesAsync(string path, int width, int height, int[] indices, int outHeight, int outWidth,
                                                    CancellationToken cancellationToken)
    {
        int frameLength = width * height * 3, outLength = outHeight * outWidth * 3;
        var data = new byte[(long)indices.Length * outLength];
        int decoded = 0;
        // Resize each frame as it comes off the pipe: only one native-size frame is held at a time.
        // FFMpegCore cancels the sink's token as soon as ffmpeg exits, while frames may still sit in the pipe
        // behind a slow resize, so reads honour only the caller's token.
        async Task ReadFrames(Stream stream, CancellationToken _)
        {
            var ct = cancellationToken;
            var frame = new byte[frameLength];
            while (decoded < indices.Length)
            {
                int got = await stream.ReadAtLeastAsync(frame, frameLength, throwOnEndOfStream: false, ct).ConfigureAwait(false);
                if (got < frameLength) break;
                byte[] resized = outHeight == height && outWidth == width
                    ? frame
                    : AntialiasedBicubic.Resize(frame, height, width, 3, outHeight, outWidth);
                Buffer.BlockCopy(resized, 0, data, decoded * outLength, outLength);
                decoded++;
            }
            await stream.CopyToAsync(Stream.Null, ct).ConfigureAwait(false);
        }

        // select keeps exactly the sampled frame numbers; passthrough stops ffmpeg from duplicating or dropping frames.
        string select = string.Join("+", indices.Distinct().Select(i => $"eq(n\\,{i.ToString(CultureInfo.InvariantCulture)})"));
        var errors = new StringBuilder();
        await FFMpegArguments.FromFileInput(path)
            .OutputToPipe(new StreamPipeSink(ReadFrames) { BlockSize = 1 << 20 },
                          o => o.WithCustomArgument($"-map 0:v:0 -vf \"select='{select}'\" -fps_mode passthrough -pix_fmt rgb24 -f rawvideo"))
            .NotifyOnStandardError(line => errors.AppendLine(line))
            .CancellableThrough(cancellationToken)
            .ProcessAsynchronously(false, _tools.Options).ConfigureAwait(false);

        int distinct = indices.Distinct().Count();
        if (decoded == 0)
            throw new MediaException($"'{path}' has no decodable frames{ErrorText(errors)}");
        if (decoded < distinct)
            throw new MediaException($"'{path}': decoded {decoded} of the {distinct} sampled frames; the stream ends before its reported frame count{ErrorText(errors)}");
        return ExpandRepeats(data, indices, outLength, outHeight, outWidth);
    }

    /// <summary>select emits a repeated index once; copy it back so frame i is indices[i] (only when n exceeds the frames available).</summary>
    private static RgbFrames ExpandRepeats(byte[] data, int[] indices, int frameLength, int height, int width)
    {
        var distinct = indices.Distinct().ToArray();
        if (distinct.Length == indices.Length) return new RgbFrames(data, indices.Length, height, width);
        var full = new byte[(long)indices.Length * frameLength];
        for (int i = 0; i < indices.Length; i++)
            Buffer.BlockCopy(data, Array.IndexOf(distinct, indices[i]) * frameLength, full, i * frameLength, frameLength);
        return new RgbFrames(full, indices.Length, height, width);
    }

    private static int? ReadFrameCount(string? json, int streamIndex)
    {
        if (string.IsNullOrEmpty(json)) return null;
        using var doc = JsonDocument.Parse(json);
        if (!doc.RootElement.TryGetProperty("streams", out var streams)) return null;
        foreach (var s in streams.EnumerateArray())
        {
            if (!s.TryGetProperty("index", out var index) || index.GetInt32() != streamIndex) continue;
            if (s.TryGetProperty("nb_frames", out var nb) && int.TryParse(nb.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0)
                return n;
        }
        return null;
    }

    /// <summary>The last line ffmpeg wrote to stderr, as ": …" for an error message (empty when it wrote nothing).</summary>
    private static string ErrorText(StringBuilder errors)
    {
        string last = errors.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";
        return last.Length == 0 ? "" : $" (ffmpeg: {last})";
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}
