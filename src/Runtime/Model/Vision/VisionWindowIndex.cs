// PruneVid.NET — vision tower.
using PruneVid.Runtime.Config;

namespace PruneVid.Runtime.Model.Vision;

/// <summary>
/// Host-side index math of HF <c>get_window_index</c> (docs/model.md §3.3): windows of
/// <c>window_size / merge / patch</c> merge units per side, tiled from the top-left of each frame pair, with the
/// reference's padding rule kept (a grid that already divides gets a whole extra row/column of empty windows,
/// which only disappear because zero-length segments are dropped).
/// </summary>
public static class VisionWindowIndex
{
    /// <summary>The layout for <paramref name="grids"/> under the tower's window, merge and patch sizes.</summary>
    public static VisionWindowLayout Compute(IReadOnlyList<(int T, int H, int W)> grids, VisionConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        int unitsPerWindow = config.WindowSize / config.SpatialMergeSize / config.PatchSize;
        if (unitsPerWindow <= 0)
            throw new ArgumentException($"window_size {config.WindowSize} is smaller than one merge unit ({config.SpatialMergeSize}×{config.PatchSize} px)", nameof(config));
        return Compute(grids, config.SpatialMergeSize, unitsPerWindow);
    }

    /// <summary>The layout for <paramref name="grids"/> with windows of <paramref name="unitsPerWindow"/>² merge units.</summary>
    public static VisionWindowLayout Compute(IReadOnlyList<(int T, int H, int W)> grids, int spatialMergeSize, int unitsPerWindow)
    {
        VisionGrids.Validate(grids, spatialMergeSize);
        if (unitsPerWindow <= 0) throw new ArgumentOutOfRangeException(nameof(unitsPerWindow), unitsPerWindow, "a window must hold at least one merge unit");
        int unit = spatialMergeSize * spatialMergeSize;
        int patches = VisionGrids.PatchCount(grids);

        var windowIndex = new int[patches / unit];
        int written = 0;
        var cuWindow = new List<int> { 0 };
        var cuFull = new List<int> { 0 };
        int offset = 0; // first merge unit of the current item
        foreach (var (t, h, w) in grids)
        {
            int gh = h / spatialMergeSize, gw = w / spatialMergeSize;
            // HF pads by wm − g % wm, which is a full window (not 0) when g divides: keep it for the same segment list.
            int windowsHigh = (gh + unitsPerWindow - gh % unitsPerWindow) / unitsPerWindow;
            int windowsWide = (gw + unitsPerWindow - gw % unitsPerWindow) / unitsPerWindow;
            for (int ti = 0; ti < t; ti++)
            {
                int frame = offset + ti * gh * gw;
                for (int wy = 0; wy < windowsHigh; wy++)
                for (int wx = 0; wx < windowsWide; wx++)
                {
                    int members = 0;
                    for (int y = wy * unitsPerWindow; y < Math.Min((wy + 1) * unitsPerWindow, gh); y++)
                    for (int x = wx * unitsPerWindow; x < Math.Min((wx + 1) * unitsPerWindow, gw); x++)
                    {
                        windowIndex[written++] = frame + y * gw + x;
                        members++;
                    }
                    // Padding-only windows add nothing; HF's unique_consecutive removes their repeated boundary.
                    if (members > 0) cuWindow.Add(cuWindow[^1] + members * unit);
                }
                cuFull.Add(cuFull[^1] + h * w);
            }
            offset += t * gh * gw;
        }
        return new VisionWindowLayout(windowIndex, [.. cuWindow], [.. cuFull], unit);
    }
}
