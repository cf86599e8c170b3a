// PruneVid.NET — media input.
using PruneVid.Runtime.Preprocessing;

namespace PruneVid.Runtime.Media;

/// <summary>qwen-vl-utils' frame selection and frame sizing (<c>smart_nframes</c>, the linspace indices, the pixel budget).</summary>
public static class FrameSampler
{
    /// <summary>Frame counts are multiples of this (one temporal patch).</summary>
    public const int FrameFactor = 2;

    /// <summary>Side unit of a resized frame (patch 14 × merge 2).</summary>
    public const int ImageFactor = 28;

    /// <summary>
    /// First and last frame of the requested time range and the number of frames in it (<c>calculate_video_frame_range</c>):
    /// start = ceil(start·fps), end = min(floor(end·fps), total − 1).
    /// </summary>
    public static (int Start, int End, int Count) FrameRange(int totalFrames, double videoFps, double? startTime, double? endTime)
    {
        if (totalFrames <= 0) throw new MediaException("the video has no frames");
        if (startTime is null && endTime is null) return (0, totalFrames - 1, totalFrames);
        if (!(videoFps > 0)) throw new MediaException($"the video reports a frame rate of {videoFps}, so a time range cannot be mapped to frames");
        double maxDuration = totalFrames / videoFps;
        int start = startTime is { } s ? (int)Math.Ceiling(Math.Clamp(s, 0, maxDuration) * videoFps) : 0;
        int end = endTime is { } e ? Math.Min((int)Math.Floor(Math.Clamp(e, 0, maxDuration) * videoFps), totalFrames - 1) : totalFrames - 1;
        if (start >= end)
            throw new MediaException($"the time range {startTime}s..{endTime}s selects no frames of this {maxDuration:F2}s video (frames {start}..{end})");
        return (start, end, end - start + 1);
    }

    /// <summary>How many frames to sample (<c>smart_nframes</c>): an even count in [min, max] frames, never above the frames available.</summary>
    /// <exception cref="MediaException">Fewer than two frames are available (a one-frame video), or the settings allow none.</exception>
    public static int FrameCount(VideoSamplingOptions options, int totalFrames, double videoFps)
    {
        ArgumentNullException.ThrowIfNull(options);
        int n;
        if (options.FrameCount is { } requested)
        {
            n = (int)SmartResize.RoundByFactor(requested, FrameFactor);
        }
        else
        {
            if (!(options.Fps > 0)) throw new ArgumentOutOfRangeException(nameof(VideoSamplingOptions.Fps), options.Fps, "the sampling rate (fps) must be positive");
            if (!(videoFps > 0)) throw new MediaException($"the video reports a frame rate of {videoFps}; pass an explicit frame count instead");
            long minFrames = SmartResize.CeilByFactor(options.MinFrames, FrameFactor);
            long maxFrames = SmartResize.FloorByFactor(Math.Min(options.MaxFrames, totalFrames), FrameFactor);
            double wanted = totalFrames / videoFps * options.Fps;
            double clamped = Math.Min(Math.Min(Math.Max(wanted, minFrames), maxFrames), totalFrames);
            n = (int)SmartResize.FloorByFactor(clamped, FrameFactor);
        }
        if (totalFrames < FrameFactor)
            throw new MediaException($"the video has {totalFrames} frame; at least {FrameFactor} are needed (a single still frame can be passed as an image instead)");
        if (n < FrameFactor || n > totalFrames)
            throw new MediaException($"cannot sample {n} frames from a video with {totalFrames}: the count must lie in [{FrameFactor}, {totalFrames}]");
        return n;
    }

    /// <summary>
    /// <c>torch.linspace(start, end, n).round()</c>: float32 linspace (PyTorch computes the first half forwards from
    /// start and the second half backwards from end) rounded half-to-even.
    /// </summary>
    public static int[] Indices(int start, int end, int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "frame count must be positive");
        var idx = new int[n];
        if (n == 1) { idx[0] = start; return idx; }
        float fStart = start, fEnd = end;
        float step = (fEnd - fStart) / (n - 1);
        int halfway = n / 2;
        for (int i = 0; i < n; i++)
        {
            float v = i < halfway ? fStart + step * i : fEnd - step * (n - 1 - i);
            idx[i] = (int)MathF.Round(v, MidpointRounding.ToEven);
        }
        return idx;
    }

    /// <summary>
    /// Frame size after qwen-vl-utils' resize: explicit <c>resized_height/width</c> snapped to 28, or smart_resize
    /// within [min_pixels, max_pixels] where max_pixels defaults to max(min(768·28², total_pixels/n·2), min_pixels·1.05).
    /// </summary>
    public static (int Height, int Width) TargetSize(int height, int width, int frameCount, VideoSamplingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ResizedHeight is { } rh && options.ResizedWidth is { } rw)
            return SmartResize.Compute(rh, rw, ImageFactor, 4 * 28 * 28, 16384 * 28 * 28);
        if (options.ResizedHeight is not null || options.ResizedWidth is not null)
            throw new ArgumentException("resized height and width must be given together");
        double budget = Math.Max(Math.Min(768.0 * 28 * 28, (double)options.TotalPixels / frameCount * FrameFactor), (long)(options.MinPixels * 1.05));
        double maxPixels = Math.Min(options.MaxPixels ?? budget, budget);
        return SmartResize.Compute(height, width, ImageFactor, options.MinPixels, maxPixels);
    }
}
