// PruneVid.NET — vision preprocessing.
namespace PruneVid.Runtime.Preprocessing;

/// <summary>
/// Processor output for one video: <c>pixel_values_videos</c> rows in HF order (docs/model.md §3.1), the patch
/// grid <c>video_grid_thw</c> and <c>second_per_grid_ts</c>.
/// </summary>
/// <param name="PixelValues">[Rows, RowLength] row-major float32.</param>
/// <param name="Rows">Number of patch rows: Grid.T · Grid.H · Grid.W.</param>
/// <param name="RowLength">Floats per row (1176).</param>
/// <param name="Grid">Patch grid (temporal steps, patch rows, patch columns).</param>
/// <param name="SecondPerGridT">Seconds per temporal grid step: temporal_patch_size / fps.</param>
/// <param name="Fps">The sampling rate of the frames fed in.</param>
/// <param name="Height">Frame height after resizing, in pixels.</param>
/// <param name="Width">Frame width after resizing, in pixels.</param>
public sealed record PreprocessedVideo(float[] PixelValues, int Rows, int RowLength, (int T, int H, int W) Grid,
                                       float SecondPerGridT, double Fps, int Height, int Width)
{
    /// <summary>LLM tokens before any reduction: t·h·w / merge² (merge 2).</summary>
    public int TokenCount => Grid.T * Grid.H * Grid.W / 4;
}

/// <summary>Processor output for one image: <c>pixel_values</c> rows and <c>image_grid_thw</c> (T is 1).</summary>
public sealed record PreprocessedImage(float[] PixelValues, int Rows, int RowLength, (int T, int H, int W) Grid, int Height, int Width)
{
    /// <summary>LLM tokens: h·w / merge² (merge 2).</summary>
    public int TokenCount => Grid.T * Grid.H * Grid.W / 4;
}
