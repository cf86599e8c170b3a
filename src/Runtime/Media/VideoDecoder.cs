// PruneVid.NET — media input.
using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.Channels;
using PruneVid.Runtime.Preprocessing;

namespace PruneVid.Runtime.Media;

/// <summary>
/// Reads videos and images through the system ffmpeg, driven by FFMpegCore: probe, pick frame indices like qwen-vl-utils, decode exactly
/// those frames to RGB24 (ffmpeg's <c>select</c> filter, as a balanced expression tree so any number of frames can be
/// named) and resize each frame as it arrives with torchvision's antialiased bicubic, so only the sampled, resized
/// frames are ever held, whatever the video's length. Every ffmpeg call runs under a time limit.
/// </summary>
public sealed class VideoDecoder
{
    private readonly FfmpegTools _tools;

    /// <summary>Uses ffmpeg/ffprobe from <paramref name="ffmpegFolder"/>, or from PATH when null.</summary>
    /// <exception cref="MediaException">ffmpeg or ffprobe is missing (the message says how to install it).</exception>
    public VideoDecoder(string? ffmpegFolder = null) => _tools = FfmpegTools.Locate(ffmpegFolder);

    /// <summary>Probes the primary video stream of <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="MediaException">ffprobe cannot read it, it has no video stream, or ffprobe ran past <paramref name="timeLimit"/>.</exception>
    public Task<VideoInfo> ProbeAsync(string path, CancellationToken cancellationToken = default) => ProbeAsync(path, null, cancellationToken);

    /// <inheritdoc cref="ProbeAsync(string, CancellationToken)"/>
    public Task<VideoInfo> ProbeAsync(string path, TimeSpan? timeLimit, CancellationToken cancellationToken = default)
    {
        RequireFile(path, "video");
        return VideoProbe.ProbeAsync(_tools, path, timeLimit ?? MediaTimeLimits.Probe, cancellationToken);
    }

    /// <summary>
    /// Samples and decodes frames like qwen-vl-utils <c>fetch_video</c>: frame count from <paramref name="options"/>
    /// (a video longer than the frame budget is sampled more sparsely), indices by rounding a linspace, frames
    /// resized to the pixel budget.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="MediaException">Not a video, no decodable frames, a single frame, a bad time range, or ffmpeg ran past the time limit.</exception>
    public async Task<DecodedVideo> DecodeAsync(string path, VideoSamplingOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= VideoSamplingOptions.Default;
        var info = await ProbeAsync(path, options.TimeLimit, cancellationToken).ConfigureAwait(false);
        if (info.TotalFrames <= 0) throw new MediaException($"'{path}' has no decodable frames (ffprobe reports none)");
        int start, end, count, n;
        try
        {
            (start, end, count) = FrameSampler.FrameRange(info.TotalFrames, info.Fps, options.StartTime, options.EndTime);
            n = FrameSampler.FrameCount(options, count, info.Fps);
        }
        catch (MediaException e)
        {
            throw new MediaException($"'{path}': {e.Message}", e);
        }
        int[] indices = FrameSampler.Indices(start, end, n);
        int h, w;
        try
        {
            (h, w) = FrameSampler.TargetSize(info.Height, info.Width, n, options);
        }
        catch (ArgumentException e)
        {
            throw new MediaException($"'{path}': frames of {info.Width}x{info.Height} cannot be resized for the model: {Errors.UserMessages.Describe(e)}", e);
        }

        TimeSpan limit = options.TimeLimit ?? MediaTimeLimits.Decode(info.Duration);
        var frames = await DecodeFramesAsync(path, info, indices, h, w, limit, cancellationToken).ConfigureAwait(false);
        double sampleFps = n / Math.Max(count, 1e-6) * info.Fps;
        return new DecodedVideo(frames, indices, sampleFps, info);
    }

    /// <summary>
    /// Decodes the first frame of an image (png, jpg, … anything ffmpeg reads) as RGB; transparent pixels are
    /// composited onto white, like qwen-vl-utils' <c>to_rgb</c>. No resizing (see <see cref="VisionPreprocessor.PreprocessImage"/>).
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="MediaException">Not an image ffmpeg can read, or ffmpeg ran past the time limit.</exception>
    public async Task<RgbFrames> DecodeImageAsync(string path, CancellationToken cancellationToken = default)
    {
        RequireFile(path, "image");
        var info = await VideoProbe.ProbeAsync(_tools, path, MediaTimeLimits.Probe, cancellationToken).ConfigureAwait(false);
        int frameLength = info.Width * info.Height * 4;
        var src = new byte[frameLength];
        int got = 0;
        var outcome = await FfmpegPipe.RunAsync(_tools, path, $"-map 0:{info.StreamIndex.ToString(CultureInfo.InvariantCulture)} -frames:v 1 -pix_fmt rgba",
            async (stdout, ct) =>
            {
                got = await stdout.ReadAtLeastAsync(src, frameLength, throwOnEndOfStream: false, ct).ConfigureAwait(false);
                return got == frameLength;
            }, MediaTimeLimits.Probe, cancellationToken).ConfigureAwait(false);
        if (got < frameLength)
            throw new MediaException($"'{path}' has no decodable image{VideoProbe.FfmpegSays(outcome.Errors, path)}");
        var rgb = new byte[info.Width * info.Height * 3];
        for (int p = 0, q = 0; p < frameLength; p += 4, q += 3)
        {
            int a = src[p + 3];
            for (int c = 0; c < 3; c++) rgb[q + c] = (byte)((src[p + c] * a + 255 * (255 - a) + 127) / 255);
        }
        return new RgbFrames(rgb, 1, info.Height, info.Width);
    }

    private async Task<RgbFrames> DecodeFramesAsync(string path, VideoInfo info, int[] indices, int outHeight, int outWidth,
                                                    TimeSpan limit, CancellationToken cancellationToken)
    {
        int width = info.Width, height = info.Height;
        int frameLength = width * height * 3, outLength = outHeight * outWidth * 3;
        int distinct = indices.Distinct().Count();
        var data = new byte[(long)distinct * outLength];
        int read = 0, decoded = 0;

        // Frames are read off the pipe into a few reused buffers and resized on another thread, so ffmpeg keeps
        // decoding while a frame is resized; at most Pipelined + 1 native-size frames are held at a time. Once every
        // sampled frame is in, ffmpeg is stopped: the rest of the video is not decoded.
        const int Pipelined = 3;
        var queue = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(Pipelined) { SingleReader = true, SingleWriter = true });
        var spare = new ConcurrentBag<byte[]>();
        Task resizing = Task.Run(async () =>
        {
            await foreach (byte[] frame in queue.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                if (outHeight == height && outWidth == width)
                    Buffer.BlockCopy(frame, 0, data, decoded * outLength, outLength);
                else
                    AntialiasedBicubic.Resize(frame, height, width, 3, outHeight, outWidth).CopyTo(data, (long)decoded * outLength);
                decoded++;
                spare.Add(frame);
            }
        }, CancellationToken.None);

        async Task<bool> ReadFrames(Stream stream, CancellationToken ct)
        {
            try
            {
                while (read < distinct)
                {
                    byte[] frame = spare.TryTake(out byte[]? reused) ? reused : new byte[frameLength];
                    int got = await stream.ReadAtLeastAsync(frame, frameLength, throwOnEndOfStream: false, ct).ConfigureAwait(false);
                    if (got < frameLength) return false;
                    await queue.Writer.WriteAsync(frame, ct).ConfigureAwait(false);
                    read++;
                }
                return true;
            }
            finally
            {
                queue.Writer.TryComplete();
                await resizing.ConfigureAwait(false);
            }
        }

        // select keeps exactly the sampled frame numbers; passthrough stops ffmpeg from duplicating or dropping frames.
        string arguments = $"-map 0:{info.StreamIndex.ToString(CultureInfo.InvariantCulture)} " +
                           $"-vf select='{FrameSelection.Expression(indices)}' -fps_mode passthrough -pix_fmt rgb24";
        var outcome = await FfmpegPipe.RunAsync(_tools, path, arguments, ReadFrames, limit, cancellationToken).ConfigureAwait(false);

        string ffmpegSays = VideoProbe.FfmpegSays(outcome.Errors, path);
        if (decoded == 0)
            throw new MediaException($"'{path}' has no decodable frames{ffmpegSays}");
        if (decoded < distinct)
            throw new MediaException($"'{path}': decoded {decoded} of the {distinct} sampled frames; the stream ends before its reported {info.TotalFrames} frames{ffmpegSays}");
        return ExpandRepeats(data, indices, outLength, outHeight, outWidth);
    }

    /// <summary>select emits a repeated index once; copy it back so frame i is indices[i] (only when n exceeds the frames available).</summary>
    private static RgbFrames ExpandRepeats(byte[] data, int[] indices, int frameLength, int height, int width)
    {
        var distinct = indices.Distinct().Order().ToArray();
        if (distinct.Length == indices.Length) return new RgbFrames(data, indices.Length, height, width);
        var full = new byte[(long)indices.Length * frameLength];
        for (int i = 0; i < indices.Length; i++)
            Buffer.BlockCopy(data, Array.BinarySearch(distinct, indices[i]) * frameLength, full, i * frameLength, frameLength);
        return new RgbFrames(full, indices.Length, height, width);
    }

    private static void RequireFile(string path, string kind)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new MediaException($"no {kind} file was given");
        if (Directory.Exists(path)) throw new MediaException($"'{path}' is a folder, not a {kind} file");
        if (!File.Exists(path)) throw new FileNotFoundException($"{kind} file '{path}' not found", path);
    }
}
