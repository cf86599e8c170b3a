// PruneVid.NET — CLI: the frame-size options shared by run, eval and serve.
using PruneVid.Runtime.Media;
using PruneVid.Runtime.Preprocessing;

namespace PruneVid.Cli.Commands;

/// <summary>
/// <c>--min-pixels</c>/<c>--max-pixels</c>. The frame area is bounded twice, as qwen-vl-utils and the HF processor do:
/// when frames are sampled and resized, and again when they are patched. Both get the user's bounds, or the second
/// step would resize the frames back into its default range.
/// </summary>
internal static class FrameSize
{
    /// <summary>The sampling and preprocessing options with the bounds applied (null: the default).</summary>
    public static (VideoSamplingOptions Sampling, VisionPreprocessorOptions Processor) Apply(VideoSamplingOptions sampling,
        long? minPixels, long? maxPixels)
    {
        if (minPixels is < 1) throw new ArgumentException($"--min-pixels {minPixels} must be at least 1");
        if (maxPixels is < 1) throw new ArgumentException($"--max-pixels {maxPixels} must be at least 1");
        if (minPixels is long lo && maxPixels is long hi && lo > hi)
            throw new ArgumentException($"--min-pixels {lo} is larger than --max-pixels {hi}");
        var processor = VisionPreprocessorOptions.Default;
        if (minPixels is long min) (sampling, processor) = (sampling with { MinPixels = min }, processor with { VideoMinPixels = min });
        if (maxPixels is long max) (sampling, processor) = (sampling with { MaxPixels = max }, processor with { VideoMaxPixels = max });
        return (sampling, processor);
    }
}
