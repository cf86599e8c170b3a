// PruneVid.NET — media input.
namespace PruneVid.Runtime.Media;

/// <summary>What ffprobe reports about a video's primary video stream.</summary>
/// <param name="Path">The file.</param>
/// <param name="Width">Frame width in pixels.</param>
/// <param name="Height">Frame height in pixels.</param>
/// <param name="TotalFrames">Frame count (the container's, or the packets counted when it stores none).</param>
/// <param name="Fps">Average frame rate.</param>
/// <param name="Duration">Stream (or container) duration.</param>
/// <param name="Codec">Codec name, e.g. h264.</param>
public sealed record VideoInfo(string Path, int Width, int Height, int TotalFrames, double Fps, TimeSpan Duration, string Codec)
{
    /// <summary>Index of the stream among all the file's streams (what <c>-map 0:N</c> names).</summary>
    public int StreamIndex { get; init; }
}

/// <summary>Sampled, resized frames of a video and how they were taken.</summary>
/// <param name="Frames">The frames, already at the qwen-vl-utils target size (sides multiples of 28).</param>
/// <param name="FrameIndices">Source frame index of each frame.</param>
/// <param name="SampleFps">qwen-vl-utils' <c>sample_fps</c> = n / total · video fps: what the processor needs for second_per_grid_ts.</param>
/// <param name="Info">The probed stream.</param>
public sealed record DecodedVideo(RgbFrames Frames, int[] FrameIndices, double SampleFps, VideoInfo Info);
