// PruneVid.NET — pipeline tests: the tiny fixture model loaded once for the whole class.
using System.Text.Json;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Media;
using PruneVid.Runtime.Pipeline;

namespace PruneVid.Model.Tests.Pipeline;

/// <summary>The tiny fixture model on the Cpu backend, its reference inputs and outputs.</summary>
public sealed class PipelineFixture : IDisposable
{
    public PipelineFixture()
    {
        ModelDirectory = FixturePaths.Get("tiny-qwen25vl");
        TokenizerDirectory = FixturePaths.Get("qwen-tokenizer");
        using var reference = SafeTensorsFile.Open(FixturePaths.Get("tiny-qwen25vl", "reference.safetensors"));
        var shape = reference.Tensors["frames_u8"].Shape;
        Frames = new RgbFrames(reference.GetBytes("frames_u8").ToArray(), (int)shape[0], (int)shape[1], (int)shape[2]);
        InputIds = [.. reference.ReadI64("input_ids").Select(v => (int)v)];
        GreedyTokens = [.. reference.ReadI64("greedy_new_tokens").Select(v => (int)v)];
        long[] grid = reference.ReadI64("video_grid_thw");
        Inputs = new VideoInputs([((int)grid[0], (int)grid[1], (int)grid[2])], reference.ReadF32("pixel_values_videos"), [1.0]);
        using var json = JsonDocument.Parse(File.ReadAllText(FixturePaths.Get("tiny-qwen25vl", "reference.json")));
        Question = json.RootElement.GetProperty("question").GetString()!;
        FramesFps = json.RootElement.GetProperty("frames_fps").GetDouble();
        Log = [];
        Pipeline = VideoQaPipeline.Load(ModelDirectory, new PipelineOptions
        {
            Device = DeviceKind.Cpu,
            Strategy = "noop",
            TokenizerDirectory = TokenizerDirectory,
            Verbose = true,
            Log = line => { lock (Log) Log.Add(line); },
        });
    }

    public string ModelDirectory { get; }
    public string TokenizerDirectory { get; }
    public RgbFrames Frames { get; }
    public int[] InputIds { get; }
    public int[] GreedyTokens { get; }
    public VideoInputs Inputs { get; }
    public string Question { get; }
    public double FramesFps { get; }
    public List<string> Log { get; }
    public VideoQaPipeline Pipeline { get; }

    public void Dispose() => Pipeline.Dispose();
}
