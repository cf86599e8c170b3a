// PruneVid.NET — vision tower.
namespace PruneVid.Runtime.Model.Vision;

/// <summary>
/// Checks and sizes of a batch of <c>grid_thw</c> rows (t, h, w in patches, one row per image or video, in the
/// order their pixel rows are concatenated).
/// </summary>
public static class VisionGrids
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first grid that is empty or not a whole number of merge units.</summary>
    public static void Validate(IReadOnlyList<(int T, int H, int W)> grids, int spatialMergeSize)
    {
        ArgumentNullException.ThrowIfNull(grids);
        if (spatialMergeSize <= 0) throw new ArgumentOutOfRangeException(nameof(spatialMergeSize), spatialMergeSize, "spatial merge size must be positive");
        if (grids.Count == 0) throw new ArgumentException("grid_thw is empty: at least one image or video is needed", nameof(grids));
        for (int i = 0; i < grids.Count; i++)
        {
            var (t, h, w) = grids[i];
            if (t <= 0 || h <= 0 || w <= 0)
                throw new ArgumentException($"grid_thw[{i}] = ({t},{h},{w}) must have positive t, h and w", nameof(grids));
            if (h % spatialMergeSize != 0 || w % spatialMergeSize != 0)
                throw new ArgumentException($"grid_thw[{i}] = ({t},{h},{w}): h and w must be multiples of the spatial merge size {spatialMergeSize}", nameof(grids));
        }
    }

    /// <summary>Total patch rows Σ t·h·w (the rows of <c>pixel_values</c>).</summary>
    public static int PatchCount(IReadOnlyList<(int T, int H, int W)> grids)
    {
        ArgumentNullException.ThrowIfNull(grids);
        long total = 0;
        foreach (var (t, h, w) in grids) total += (long)t * h * w;
        return total <= int.MaxValue ? (int)total : throw new ArgumentException($"grid_thw describes {total} patches, more than one call can hold", nameof(grids));
    }
}
