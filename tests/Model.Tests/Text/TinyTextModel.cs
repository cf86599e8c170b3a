// PruneVid.NET — language model tests: the tiny fixture checkpoint, loaded once per test class.
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Config;
using PruneVid.Runtime.Model.Text;
using PruneVid.Tools.Parity;

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

    /// <summary>
    /// The fixture's decoder with its prompt cut to 8 video placeholders (2 steps × 2×2) and its vocabulary cut to the
    /// ids the prompt uses (re-numbered, tied head): a 151936-row lm_head per decode step would dominate a run of
    /// simulated GPU threads, and the layers are what this test is about.
    /// </summary>
    public (Qwen25VLConfig, InMemoryWeights, int[], MediaItem, float[]) SmallVocabularyVariant()
    {
        var config = Config;
        int first = Array.IndexOf(InputIds, config.VideoTokenId), last = Array.LastIndexOf(InputIds, config.VideoTokenId);
        int[] original = [.. InputIds[..first], .. Enumerable.Repeat(config.VideoTokenId, 8), .. InputIds[(last + 1)..]];
        int[] vocabulary = [.. original.Distinct().Order()];
        const int vocabSize = 64;
        if (vocabulary.Length >= vocabSize) throw new InvalidOperationException($"the prompt uses {vocabulary.Length} ids, more than {vocabSize}");
        int[] ids = original.Select(id => Array.IndexOf(vocabulary, id)).ToArray();

        int h = config.Text.HiddenSize;
        ushort[] table = Weights.Get(WeightNames.EmbedTokens).ToBf16Bits();
        var small = new ushort[vocabSize * h];
        for (int row = 0; row < vocabSize; row++) // prompt ids first, then arbitrary other rows of the real table
            table.AsSpan((row < vocabulary.Length ? vocabulary[row] : 1000 + row) * h, h).CopyTo(small.AsSpan(row * h, h));
        var weights = new InMemoryWeights(tieWordEmbeddings: true, "fixture decoder with a 64-token vocabulary");
        weights.Add(WeightTensor.FromBf16(WeightNames.EmbedTokens, [vocabSize, h], small));
        foreach (string name in Weights.Names.Where(n => n.StartsWith("model.", StringComparison.Ordinal) && n != WeightNames.EmbedTokens))
        {
            WeightTensor w = Weights.Get(name);
            weights.Add(WeightTensor.FromBf16(name, w.Shape, w.ToBf16Bits()));
        }
        var variant = config with
        {
            VideoTokenId = Array.IndexOf(vocabulary, config.VideoTokenId),
            ImageTokenId = vocabSize - 1,
            Text = config.Text with { VocabSize = vocabSize },
        };
        var video = MediaItem.Video(2, 4, 4, config.Vision.SpatialMergeSize, 1.0, config.Vision.TokensPerSecond);
        float[] features = Reference.ReadF32("video_embeds")[..(8 * h)];
        return (variant, weights, ids, video, features);
    }

    public void Dispose()
    {
        VideoEmbeds.Dispose();
        Model.Dispose();
        Reference.Dispose();
        Weights.Dispose();
    }
}
