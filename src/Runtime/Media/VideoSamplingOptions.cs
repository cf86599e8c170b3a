// PruneVid.NET — media input.
namespace PruneVid.Runtime.Media;

/// <summary>
/// How frames are picked and sized, with qwen-vl-utils' keys and defaults (its <c>fetch_video</c>): sample at
/// <see cref="Fps"/> (or exactly <see cref="FrameCount"/> frames), an even count between the min and max frames,
/// spread evenly over the clip or the <see cref="StartTime"/>..<see cref="EndTime"/> part of it; each frame resized
/// so its area fits the per-frame and whole-video pixel budgets.
/// </summary>
public sealed record VideoSamplingOptions
{
    /// <summary>qwen-vl-utils defaults.</summary>
    public static VideoSamplingOptions Default { get; } = new();

    /// <summary>Frames per second to sample (<c>fps</c>, default 2.0). Ignored when <see cref="FrameCount"/> is set.</summary>
    public double Fps { get; init; } = 2.0;

    /// <summary>Exact number of frames (<c>nframes</c>), rounded to an even count; overrides <see cref="Fps"/>.</summary>
    public int? FrameCount { get; init; }

    /// <summary>Fewest frames (<c>min_frames</c>, default 4, rounded up to even).</summary>
    public int MinFrames { get; init; } = 4;

    /// <summary>Most frames (<c>max_frames</c>, default 768, rounded down to even); a longer video is sampled more sparsely.</summary>
    public int MaxFrames { get; init; } = 768;

    /// <summary>Start of the part to sample, in seconds (<c>video_start</c>).</summary>
    public double? StartTime { get; init; }

    /// <summary>End of the part to sample, in seconds (<c>video_end</c>).</summary>
    public double? EndTime { get; init; }

    /// <summary>Smallest frame area in pixels (<c>min_pixels</c>, default 128·28²).</summary>
    public long MinPixels { get; init; } = 128 * 28 * 28;

    /// <summary>Largest frame area (<c>max_pixels</c>); default: the budget 768·28² shared out by <see cref="TotalPixels"/>.</summary>
    public long? MaxPixels { get; init; }

    /// <summary>Pixel budget of the whole video (<c>total_pixels</c>, default 128000·28²·0.9).</summary>
    public long TotalPixels { get; init; } = (long)(128000 * 28 * 28 * 0.9);

    /// <summary>Explicit frame height (<c>resized_height</c>, snapped to multiples of 28); needs <see cref="ResizedWidth"/>.</summary>
    public int? ResizedHeight { get; init; }

    /// <summary>Explicit frame width (<c>resized_width</c>); needs <see cref="ResizedHeight"/>.</summary>
    public int? ResizedWidth { get; init; }

    /// <summary>
    /// Longest one ffmpeg/ffprobe call may run before it is stopped with a <see cref="MediaException"/>; null: the
    /// defaults of <see cref="MediaTimeLimits"/> (a minute, plus the video's duration for decoding).
    /// </summary>
    public TimeSpan? TimeLimit { get; init; }
}
