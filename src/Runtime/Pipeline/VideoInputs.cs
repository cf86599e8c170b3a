// PruneVid.NET — pipeline.
namespace PruneVid.Runtime.Pipeline;

/// <summary>
/// Preprocessed videos as the model takes them (HF's <c>pixel_values_videos</c>, <c>video_grid_thw</c>,
/// <c>second_per_grid_ts</c>): patch rows of all videos concatenated, one grid (in patches) and one
/// seconds-per-temporal-step value per video.
/// </summary>
public sealed record VideoInputs
{
    /// <summary>Checks that the rows, grids and timings agree.</summary>
    public VideoInputs(IReadOnlyList<(int T, int H, int W)> grids, float[] pixelValues, IReadOnlyList<double> secondsPerGrid, int rowLength = 1176)
    {
        ArgumentNullException.ThrowIfNull(grids);
        ArgumentNullException.ThrowIfNull(pixelValues);
        ArgumentNullException.ThrowIfNull(secondsPerGrid);
        if (grids.Count == 0) throw new ArgumentException("at least one video is needed", nameof(grids));
        if (secondsPerGrid.Count != grids.Count)
            throw new ArgumentException($"{secondsPerGrid.Count} second_per_grid_ts values for {grids.Count} videos", nameof(secondsPerGrid));
        long rows = grids.Sum(g => (long)g.T * g.H * g.W);
        if (pixelValues.LongLength != rows * rowLength)
            throw new ArgumentException($"pixel values hold {pixelValues.LongLength} floats, the grids need {rows} rows of {rowLength}", nameof(pixelValues));
        Grids = grids;
        PixelValues = pixelValues;
        SecondsPerGrid = secondsPerGrid;
        RowLength = rowLength;
    }

    /// <summary>(t, h, w) per video, in patches.</summary>
    public IReadOnlyList<(int T, int H, int W)> Grids { get; }

    /// <summary>All patch rows, [Σ t·h·w, RowLength].</summary>
    public float[] PixelValues { get; }

    /// <summary>Seconds per temporal grid step, per video (temporal_patch_size / sampling fps).</summary>
    public IReadOnlyList<double> SecondsPerGrid { get; }

    /// <summary>Values per patch row (3·2·14·14 = 1176 for Qwen2.5-VL).</summary>
    public int RowLength { get; }
}
