// PruneVid.NET — preprocessing tests.
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Preprocessing;
using Xunit;
using Xunit.Abstractions;

namespace PruneVid.Runtime.Tests.Preprocessing;

/// <summary>The video processor against HF <c>Qwen2VLVideoProcessor</c> output stored in the tiny fixture.</summary>
public class VideoProcessorParityTests(ITestOutputHelper output)
{
    [Fact]
    public void FramesGiveTheReferencePixelValuesAndGrid()
    {
        using var file = SafeTensorsFile.Open(TinyReference.Path);
        var frames = TinyReference.ReadFrames(file, "frames_u8");
        float[] expected = file.ReadF32("pixel_values_videos");
        long[] grid = file.ReadI64("video_grid_thw");

        var video = new VisionPreprocessor().PreprocessVideo(frames, fps: 2.0);

        Assert.Equal((grid[0], grid[1], grid[2]), ((long)video.Grid.T, (long)video.Grid.H, (long)video.Grid.W));
        Assert.Equal(file.GetInfo("pixel_values_videos").Shape, new long[] { video.Rows, video.RowLength });
        var (maxAbs, meanAbs) = Diff(expected, video.PixelValues);
        output.WriteLine($"pixel_values_videos: max abs {maxAbs:E3}, mean abs {meanAbs:E3}");
        Assert.True(maxAbs <= 1e-5, $"max abs error {maxAbs}");
        Assert.Equal(1.0f, video.SecondPerGridT); // reference.json second_per_grid_ts at 2 fps
        Assert.Equal(540, video.TokenCount);
    }

    [Fact]
    public void FramesThatNeedResizingMatchTorchvisionAntialiasedBicubic()
    {
        using var file = SafeTensorsFile.Open(TinyReference.Path);
        var frames = TinyReference.ReadFrames(file, "resize_frames_u8");
        float[] expected = file.ReadF32("resize_pixel_values_videos");
        long[] grid = file.ReadI64("resize_video_grid_thw");

        var video = new VisionPreprocessor().PreprocessVideo(frames, fps: 2.0);

        Assert.Equal((grid[0], grid[1], grid[2]), ((long)video.Grid.T, (long)video.Grid.H, (long)video.Grid.W));
        Assert.Equal(expected.Length, video.PixelValues.Length);
        var (maxAbs, meanAbs) = Diff(expected, video.PixelValues);
        output.WriteLine($"resize_pixel_values_videos: max abs {maxAbs:E3}, mean abs {meanAbs:E3}");
        Assert.True(maxAbs <= 2e-2, $"max abs error {maxAbs}");
        Assert.True(meanAbs <= 1e-3, $"mean abs error {meanAbs}");
    }

    internal static (double Max, double Mean) Diff(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double max = 0, sum = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = Math.Abs((double)expected[i] - actual[i]);
            max = Math.Max(max, d);
            sum += d;
        }
        return (max, sum / expected.Length);
    }
}
