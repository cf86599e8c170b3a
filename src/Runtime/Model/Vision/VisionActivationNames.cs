// PruneVid.NET — vision tower.
namespace PruneVid.Runtime.Model.Vision;

/// <summary>Stable names of the vision tower's observable intermediates (the reference fixture uses the same).</summary>
public static class VisionActivationNames
{
    /// <summary>Patch embedding output [patches, hidden], rows in pixel_values order.</summary>
    public const string PatchEmbed = "vision.patch_embed";

    /// <summary>Merger output for videos [units, out_hidden], raster merge-unit order.</summary>
    public const string VideoEmbeds = "video_embeds";

    /// <summary>Merger output for images [units, out_hidden], raster merge-unit order.</summary>
    public const string ImageEmbeds = "image_embeds";

    /// <summary>Output of block <paramref name="index"/> [patches, hidden], rows in window order.</summary>
    public static string Block(int index) => $"vision.block{index}";
}
