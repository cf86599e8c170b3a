// PruneVid.NET — vision tower.
namespace PruneVid.Runtime.Model.Vision;

/// <summary>
/// Where every merge unit goes when the vision tower reorders patches into attention windows, and the segment
/// tables of both attention kinds (docs/model.md §3.3–3.4). All segment tables count patches and start at 0.
/// </summary>
/// <param name="WindowIndex">Merge-unit indices (raster order over all items) listed in window order: unit
/// <c>WindowIndex[j]</c> is the j-th unit after reordering. A permutation of 0..units−1.</param>
/// <param name="CuWindowSeqLens">Window boundaries in the reordered patch rows, without zero-length windows.</param>
/// <param name="CuFullSeqLens">One segment per temporal step of each item (h·w patches), for full-attention blocks.</param>
/// <param name="SpatialMergeUnit">Patches per merge unit (merge²).</param>
public sealed record VisionWindowLayout(int[] WindowIndex, int[] CuWindowSeqLens, int[] CuFullSeqLens, int SpatialMergeUnit)
{
    /// <summary>Number of merge units (output rows of the merger).</summary>
    public int UnitCount => WindowIndex.Length;

    /// <summary>Number of patch rows.</summary>
    public int PatchCount => WindowIndex.Length * SpatialMergeUnit;

    /// <summary>The original (pixel_values) row of each reordered patch row.</summary>
    public int[] PatchOrder()
    {
        int m = SpatialMergeUnit;
        var order = new int[PatchCount];
        for (int j = 0; j < order.Length; j++) order[j] = WindowIndex[j / m] * m + j % m;
        return order;
    }

    /// <summary>argsort of <see cref="WindowIndex"/>: the reordered position of each raster-order merge unit.</summary>
    public int[] ReverseIndex()
    {
        var reverse = new int[WindowIndex.Length];
        for (int j = 0; j < WindowIndex.Length; j++) reverse[WindowIndex[j]] = j;
        return reverse;
    }
}
