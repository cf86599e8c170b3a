// PruneVid.NET — vision preprocessing.
namespace PruneVid.Runtime.Preprocessing;

/// <summary>
/// Settings of the Hugging Face Qwen2-VL image/video processors (<c>preprocessor_config.json</c> /
/// <c>video_preprocessor_config.json</c>). The defaults are Qwen2.5-VL's.
/// </summary>
public sealed record VisionPreprocessorOptions
{
    /// <summary>OPENAI_CLIP mean, per RGB channel.</summary>
    public static IReadOnlyList<float> ClipMean { get; } = [0.48145466f, 0.4578275f, 0.40821073f];

    /// <summary>OPENAI_CLIP standard deviation, per RGB channel.</summary>
    public static IReadOnlyList<float> ClipStd { get; } = [0.26862954f, 0.26130258f, 0.27577711f];

    /// <summary>Qwen2.5-VL's settings.</summary>
    public static VisionPreprocessorOptions Default { get; } = new();

    /// <summary>Spatial patch side in pixels (14).</summary>
    public int PatchSize { get; init; } = 14;

    /// <summary>Frames per temporal patch (2); an odd frame count is padded by repeating the last frame.</summary>
    public int TemporalPatchSize { get; init; } = 2;

    /// <summary>Patches merged per side into one LLM token (2).</summary>
    public int MergeSize { get; init; } = 2;

    /// <summary>Video processor <c>size.shortest_edge</c>: the smallest frame area (128·28²).</summary>
    public long VideoMinPixels { get; init; } = 128 * 28 * 28;

    /// <summary>Video processor <c>size.longest_edge</c>: the largest frame area (768·28²).</summary>
    public long VideoMaxPixels { get; init; } = 768 * 28 * 28;

    /// <summary>Image processor <c>min_pixels</c> (4·28²).</summary>
    public long ImageMinPixels { get; init; } = 4 * 28 * 28;

    /// <summary>Image processor <c>max_pixels</c> (16384·28²).</summary>
    public long ImageMaxPixels { get; init; } = 16384 * 28 * 28;

    /// <summary>Per-channel mean applied after scaling to [0, 1].</summary>
    public IReadOnlyList<float> ImageMean { get; init; } = ClipMean;

    /// <summary>Per-channel standard deviation applied after scaling to [0, 1].</summary>
    public IReadOnlyList<float> ImageStd { get; init; } = ClipStd;

    /// <summary>Side of one resize unit: patch × merge (28).</summary>
    public int Factor => PatchSize * MergeSize;

    /// <summary>Floats per pixel_values row: 3 · temporal · patch² (1176).</summary>
    public int RowLength => 3 * TemporalPatchSize * PatchSize * PatchSize;
}
