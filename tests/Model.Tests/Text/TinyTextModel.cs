// PruneVid.NET — language model tests: the tiny fixture checkpoint, loaded once per test class.
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Config;
using PruneVid.Runtime.Model.Text;

namespace PruneVid.Model.Tests.Text;

/// <summary>The tiny Qwen2.5-VL language model on the Cpu backend, with the reference file and its prompt.</summary>
public sealed class TinyTextModel : IDisposable
{
    public TinyTextModel()
    {
        Directory = FixturePaths.Get("tiny-qwen25vl");
        Config = Qwen25VLConfig.Load(Directory);
        Weights = CheckpointWeights.Open(Directory, Config);
        Reference = SafeTensorsFile.Open(Path.Combine(Directory, "reference.safetensors"));
        Backend = new CpuBackend();
        Model = new TextModel(Backend, Config, Weights);
        InputIds = Reference.ReadI64("input_ids").Select(v => (int)v).ToArray();
        long[] grid = Reference.ReadI64("video_grid_thw");
        Video = MediaItem.Video((int)grid[0], (int)grid[1], (int)grid[2], Config.Vision.SpatialMergeSize, 1.0, Config.Vision.TokensPerSecond);
        float[] embeds = Reference.ReadF32("video_embeds");
        VideoEmbeds = Backend.FromF32(embeds, embeds.Length / Config.Text.HiddenSize, Config.Text.HiddenSize);
    }

    public string Directory { get; }
    public Qwen25VLConfig Config { get; }
    public CheckpointWeights Weights { get; }
    public SafeTensorsFile Reference { get; }
    public ComputeBackend Backend { get; }
    public TextModel Model { get; }
    public int[] InputIds { get; }
    public MediaItem Video { get; }

    /// <summary>The reference <c>video_embeds</c> on the backend: isolates the language model from the vision tower.</summary>
    public Tensor VideoEmbeds { get; }

    /// <summary>The fixture prompt with the reference video features.</summary>
    public TextPrompt Prompt => new(InputIds, [Video], null, VideoEmbeds);

    public void Dispose()
    {
        VideoEmbeds.Dispose();
        Model.Dispose();
        Reference.Dispose();
        Weights.Dispose();
    }
}
