// PruneVid.NET — model tests.
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Config;

namespace PruneVid.Model.Tests.Vision;

/// <summary>
/// The tiny Qwen2.5-VL checkpoint and its HF reference activations (fixtures/tiny-qwen25vl), opened once per test
/// class: config, weights, the clip's pixel rows and grid, and the expected intermediates by name.
/// </summary>
public sealed class TinyVisionReference : IDisposable
{
    private readonly SafeTensorsFile _reference;

    public TinyVisionReference()
    {
        string folder = FixturePaths.Get("tiny-qwen25vl");
        Config = Qwen25VLConfig.Load(folder);
        Weights = CheckpointWeights.Open(folder, Config);
        _reference = SafeTensorsFile.Open(FixturePaths.Get("tiny-qwen25vl", "reference.safetensors"));
        PixelValues = _reference.ReadF32("pixel_values_videos");
        long[] grid = _reference.ReadI64("video_grid_thw");
        Grid = ((int)grid[0], (int)grid[1], (int)grid[2]);
    }

    public Qwen25VLConfig Config { get; }
    public CheckpointWeights Weights { get; }

    /// <summary><c>pixel_values_videos</c> [2160, 1176].</summary>
    public float[] PixelValues { get; }

    /// <summary><c>video_grid_thw</c> (4, 18, 30).</summary>
    public (int T, int H, int W) Grid { get; }

    /// <summary>A reference tensor by its fixture name.</summary>
    public float[] Expected(string name) => _reference.ReadF32(name);

    public void Dispose()
    {
        Weights.Dispose();
        _reference.Dispose();
    }
}
