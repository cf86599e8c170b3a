// PruneVid.NET — vision preprocessing.
using PruneVid.Runtime.Media;

namespace PruneVid.Runtime.Preprocessing;

/// <summary>
/// The Hugging Face Qwen2-VL processors in C#: smart_resize to the processor limits (identity for frames that
/// qwen-vl-utils already sized), bicubic resize, rescale + normalise, temporal padding and patchify into
/// <c>pixel_values</c> rows. Normalisation follows the fast/torch path the video processor always uses:
/// <c>(x − f32(mean·255)) / f32(std·255)</c> in float32; images use the same formula (the slow numpy path differs
/// only in the last ulp).
/// </summary>
public sealed class VisionPreprocessor
{
    private readonly VisionPreprocessorOptions _options;
    private readonly float[] _mean255 = new float[3];
    private readonly float[] _std255 = new float[3];

    public VisionPreprocessor(VisionPreprocessorOptions? options = null)
    {
        _options = options ?? VisionPreprocessorOptions.Default;
        if (_options.ImageMean.Count != 3 || _options.ImageStd.Count != 3)
            throw new ArgumentException("image_mean and image_std need one value per RGB channel");
        for (int c = 0; c < 3; c++)
        {
            _mean255[c] = _options.ImageMean[c] * 255f;
            _std255[c] = _options.ImageStd[c] * 255f;
        }
    }

    /// <summary>The settings in use.</summary>
    public VisionPreprocessorOptions Options => _options;

    /// <summary>
    /// <c>Qwen2VLVideoProcessor</c> on sampled frames: resize (torchvision antialiased bicubic) to
    /// smart_resize(frame, video limits), normalise, pad to a multiple of the temporal patch, patchify.
    /// </summary>
    /// <param name="frames">The sampled frames (at least one).</param>
    /// <param name="fps">Their sampling rate (qwen-vl-utils' <c>sample_fps</c>); gives second_per_grid_ts.</param>
    public PreprocessedVideo PreprocessVideo(RgbFrames frames, double fps)
    {
        ArgumentNullException.ThrowIfNull(frames);
        if (!(fps > 0) || double.IsInfinity(fps)) throw new ArgumentOutOfRangeException(nameof(fps), fps, "fps must be a positive number");
        var (h, w) = SmartResize.Compute(frames.Height, frames.Width, _options.Factor, _options.VideoMinPixels, _options.VideoMaxPixels);
        var resized = ResizeAll(frames, h, w, AntialiasedBicubic.Resize);
        var (pixels, rows, grid) = Patchify(resized);
        float spg = (float)(_options.TemporalPatchSize / fps);
        return new PreprocessedVideo(pixels, rows, _options.RowLength, grid, spg, fps, h, w);
    }

    /// <summary>Processes decoded video frames at their <see cref="DecodedVideo.SampleFps"/>.</summary>
    public PreprocessedVideo PreprocessVideo(DecodedVideo video)
    {
        ArgumentNullException.ThrowIfNull(video);
        return PreprocessVideo(video.Frames, video.SampleFps);
    }

    /// <summary>
    /// qwen-vl-utils <c>fetch_image</c> + <c>Qwen2VLImageProcessor</c>: resize with Pillow bicubic to
    /// smart_resize(image, image limits), normalise, duplicate the frame to fill one temporal patch, patchify.
    /// </summary>
    /// <param name="image">One RGB frame (<see cref="RgbFrames.Count"/> = 1).</param>
    /// <param name="minPixels">Smallest area (defaults to the processor's 3136).</param>
    /// <param name="maxPixels">Largest area (defaults to the processor's 12,845,056).</param>
    public PreprocessedImage PreprocessImage(RgbFrames image, long? minPixels = null, long? maxPixels = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Count != 1) throw new ArgumentException($"an image is one frame, got {image.Count}", nameof(image));
        var (h, w) = SmartResize.Compute(image.Height, image.Width, _options.Factor,
                                         minPixels ?? _options.ImageMinPixels, maxPixels ?? _options.ImageMaxPixels);
        var resized = ResizeAll(image, h, w, PillowBicubic.Resize);
        var (pixels, rows, grid) = Patchify(resized);
        return new PreprocessedImage(pixels, rows, _options.RowLength, grid, h, w);
    }

    /// <summary>Normalise, pad in time and patchify frames whose sides are already multiples of patch × merge.</summary>
    internal (float[] Pixels, int Rows, (int T, int H, int W) Grid) Patchify(RgbFrames frames)
    {
        int p = _options.PatchSize, tp = _options.TemporalPatchSize, m = _options.MergeSize;
        if (frames.Height % (p * m) != 0 || frames.Width % (p * m) != 0)
            throw new ArgumentException($"frame size {frames.Height}x{frames.Width} is not a multiple of {p * m}");
        int gt = (frames.Count + tp - 1) / tp, gh = frames.Height / p, gw = frames.Width / p;
        int rows = gt * gh * gw, rowLength = _options.RowLength, width = frames.Width;
        var pixels = new float[(long)rows * rowLength];
        byte[] data = frames.Data;
        Parallel.For(0, gt * (gh / m), tb =>
        {
            int t = tb / (gh / m), bh = tb % (gh / m);
            for (int bw = 0; bw < gw / m; bw++)
            for (int mh = 0; mh < m; mh++)
            for (int mw = 0; mw < m; mw++)
            {
                long row = (((long)t * (gh / m) + bh) * (gw / m) + bw) * m * m + mh * m + mw;
                int y0 = (bh * m + mh) * p, x0 = (bw * m + mw) * p;
                var dst = pixels.AsSpan((int)(row * rowLength), rowLength);
                for (int c = 0; c < 3; c++)
                for (int tt = 0; tt < tp; tt++)
                {
                    // Temporal padding: a missing last frame repeats the final one.
                    int frame = Math.Min(t * tp + tt, frames.Count - 1);
                    long frameBase = (long)frame * frames.FrameLength;
                    float mean = _mean255[c], std = _std255[c];
                    for (int py = 0; py < p; py++)
                    {
                        long src = frameBase + ((long)(y0 + py) * width + x0) * 3 + c;
                        int o = ((c * tp + tt) * p + py) * p;
                        for (int px = 0; px < p; px++) dst[o + px] = (data[src + px * 3] - mean) / std;
                    }
                }
            }
        });
        return (pixels, rows, (gt, gh, gw));
    }

    private static RgbFrames ResizeAll(RgbFrames frames, int h, int w, Func<ReadOnlySpan<byte>, int, int, int, int, int, byte[]> resize)
    {
        if (h == frames.Height && w == frames.Width) return frames;
        var data = new byte[(long)frames.Count * h * w * 3];
        for (int i = 0; i < frames.Count; i++)
            resize(frames.Frame(i), frames.Height, frames.Width, 3, h, w).CopyTo(data, (long)i * h * w * 3);
        return new RgbFrames(data, frames.Count, h, w);
    }
}
