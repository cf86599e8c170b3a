// PruneVid.NET — pipeline: what identifies a vision-tower output in the encoder cache.
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using PruneVid.Runtime.Media;
using PruneVid.Runtime.Preprocessing;

namespace PruneVid.Runtime.Pipeline;

/// <summary>
/// Keys of the <see cref="EncoderCache"/>: the media's content hash (SHA-256 of the file or of the frames' pixels)
/// plus everything that changes the embeddings — the sampling (fps, frame and pixel bounds, time range) for a file or
/// the frames' rate for frames in memory, the preprocessing (patch sizes, pixel bounds, normalisation) and the
/// model's identity. Two requests with equal keys get the same embeddings.
/// </summary>
public static class EncoderCacheKey
{
    /// <summary>The key of a video file decoded with <paramref name="sampling"/>.</summary>
    public static string ForFile(string path, VideoSamplingOptions sampling, VisionPreprocessorOptions preprocessing, string model)
    {
        using var stream = File.OpenRead(path);
        string content = Convert.ToHexString(SHA256.HashData(stream));
        return Combine("file", content, sampling.ToString(), Describe(preprocessing), model);
    }

    /// <summary>The key of frames in memory sampled at <paramref name="fps"/>.</summary>
    public static string ForFrames(RgbFrames frames, double fps, VisionPreprocessorOptions preprocessing, string model)
    {
        ArgumentNullException.ThrowIfNull(frames);
        string content = Convert.ToHexString(SHA256.HashData(frames.Data));
        return Combine("frames", content, $"{frames.Count}x{frames.Height}x{frames.Width}", fps.ToString("R", CultureInfo.InvariantCulture),
            Describe(preprocessing), model);
    }

    /// <summary>The key of several videos encoded together (a conversation's videos, in order).</summary>
    public static string ForGroup(IReadOnlyList<string> keys) => keys.Count == 1 ? keys[0] : Combine(["group", .. keys]);

    // The record's ToString names its lists' type, not their values: spell them out.
    private static string Describe(VisionPreprocessorOptions p) => FormattableString.Invariant(
        $"{p.PatchSize}/{p.TemporalPatchSize}/{p.MergeSize}/{p.VideoMinPixels}/{p.VideoMaxPixels}/{p.ImageMinPixels}/{p.ImageMaxPixels}/") +
        string.Join(",", p.ImageMean.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "/" +
        string.Join(",", p.ImageStd.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));

    private static string Combine(params string[] parts) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", parts))));
}
