// PruneVid.NET — media input.
namespace PruneVid.Runtime.Media;

/// <summary>
/// How long one ffmpeg or ffprobe call may run before it is stopped with a <see cref="MediaException"/>, when
/// <see cref="VideoSamplingOptions.TimeLimit"/> does not say. Decoding gets a minute plus the video's own duration:
/// ffmpeg decodes far faster than real time (README, "Robustness"), so only a damaged file or a stream that never
/// ends reaches it.
/// </summary>
public static class MediaTimeLimits
{
    /// <summary>Reading a file's header (ffprobe), or one image.</summary>
    public static TimeSpan Probe { get; } = TimeSpan.FromSeconds(60);

    /// <summary>Decoding the sampled frames of a video that lasts <paramref name="duration"/>.</summary>
    public static TimeSpan Decode(TimeSpan duration) =>
        TimeSpan.FromSeconds(60) + (duration > TimeSpan.Zero && duration < TimeSpan.FromDays(1) ? duration : TimeSpan.Zero);

    /// <summary>The error for a <paramref name="tool"/> call on <paramref name="path"/> stopped after <paramref name="limit"/>.</summary>
    internal static MediaException Exceeded(string tool, string path, TimeSpan limit) =>
        new($"{tool} did not finish with '{path}' within {limit.TotalSeconds:0.#} s and was stopped; " +
            "the file may be damaged or a stream that never ends (raise VideoSamplingOptions.TimeLimit for very long videos)");
}
