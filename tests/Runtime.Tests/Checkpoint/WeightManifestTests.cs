// PruneVid.NET — checkpoint loading tests.
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Config;
using PruneVid.Runtime.Tests.Config;
using Xunit;

namespace PruneVid.Runtime.Tests.Checkpoint;

/// <summary>
/// The manifest is built from config.json alone and approved against a checked-in list. The approved
/// file was produced from the fixture checkpoint's own header with Python, independently of this code.
/// </summary>
public sealed class WeightManifestTests
{
    private static Qwen25VLConfig TinyConfig => Qwen25VLConfig.Load(FixturePaths.Get("tiny-qwen25vl"));

    [Fact]
    public void ManifestFromConfigAloneMatchesTheApprovedList()
    {
        IEnumerable<string> lines = WeightManifest.For(TinyConfig).Select(s => s.ToString()).Order(StringComparer.Ordinal);
        Approvals.Verify("WeightManifest.tiny-qwen25vl", string.Join("\n", lines) + "\n");
    }

    [Fact]
    public void FixtureCheckpointSatisfiesTheManifest()
    {
        Qwen25VLConfig config = TinyConfig;
        using CheckpointWeights weights = CheckpointWeights.Open(FixturePaths.Get("tiny-qwen25vl"), config);

        WeightManifest.Validate(weights, config);
        foreach (WeightSpec spec in WeightManifest.For(config))
        {
            WeightTensor tensor = weights.Get(spec.Name);
            Assert.Equal(spec.Shape, tensor.Shape);
            Assert.Equal(spec.DType, tensor.DType);
            Assert.True(tensor.IsMapped);
        }
    }

    [Fact]
    public void ValidateListsEveryMissingAndMismatchedTensorAtOnce()
    {
        Qwen25VLConfig config = TinyConfig;
        using var weights = new InMemoryWeights(tieWordEmbeddings: true, location: "test weights");
        foreach (WeightSpec spec in WeightManifest.For(config))
        {
            if (spec.Name is "visual.blocks.2.attn.qkv.bias" or "model.layers.1.mlp.up_proj.weight") continue;
            int[] shape = spec.Name == "model.norm.weight" ? [65] : spec.Shape;
            SafeTensorDType dtype = spec.Name == "visual.merger.ln_q.weight" ? SafeTensorDType.I32 : spec.DType;
            long count = shape.Aggregate(1L, (n, d) => n * d);
            weights.Add(WeightTensor.FromArray(spec.Name, dtype, shape, new byte[count * dtype.ElementSize]));
        }

        var e = Assert.Throws<SafeTensorsFormatException>(() => WeightManifest.Validate(weights, config));
        Assert.Equal("test weights", e.FilePath);
        Assert.Contains("2 tensor(s) the model needs are missing", e.Message);
        Assert.Contains("visual.blocks.2.attn.qkv.bias", e.Message);
        Assert.Contains("model.layers.1.mlp.up_proj.weight", e.Message);
        Assert.Contains("model.norm.weight is BF16 [65], expected BF16, F16 or F32 [64]", e.Message);
        Assert.Contains("visual.merger.ln_q.weight is I32 [64], expected BF16, F16 or F32 [64]", e.Message);
    }

    [Fact]
    public void UntiedConfigNeedsLmHeadAndTiedSourceAnswersItWithTheEmbedding()
    {
        Qwen25VLConfig tied = TinyConfig;
        Qwen25VLConfig untied = tied with { Text = tied.Text with { TieWordEmbeddings = false } };

        Assert.DoesNotContain(WeightManifest.For(tied), s => s.Name == WeightNames.LmHead);
        WeightSpec head = Assert.Single(WeightManifest.For(untied), s => s.Name == WeightNames.LmHead);
        Assert.Equal([151936, 64], head.Shape);

        using CheckpointWeights asTied = CheckpointWeights.Open(FixturePaths.Get("tiny-qwen25vl"), tied);
        Assert.Same(asTied.Get(WeightNames.EmbedTokens), asTied.Get(WeightNames.LmHead));
        Assert.Contains(WeightNames.LmHead, asTied.Names);

        using CheckpointWeights asUntied = CheckpointWeights.Open(FixturePaths.Get("tiny-qwen25vl"), untied);
        var e = Assert.Throws<SafeTensorsFormatException>(() => WeightManifest.Validate(asUntied, untied));
        Assert.Contains("1 tensor(s) the model needs are missing: lm_head.weight", e.Message);
    }

    [Fact]
    public void Published3BShapesGiveThePublishedParameterCounts()
    {
        // docs/model.md §1.1 / §2.1: per vision block 19,702,200; merger 36,707,328 (3B); decoder layer 77,076,992.
        Qwen25VLConfig config = Qwen25VLConfig.Parse(ConfigJson.Published3B, "3B config");
        IReadOnlyList<WeightSpec> specs = WeightManifest.For(config);

        long Count(string prefix) => specs.Where(s => s.Name.StartsWith(prefix, StringComparison.Ordinal)).Sum(s => s.ElementCount);
        Assert.Equal(19_702_200, Count("visual.blocks.0."));
        Assert.Equal(19_702_200, Count("visual.blocks.31."));
        // The published merger figure counts its two linear layers; ln_q (one RMSNorm weight) is listed on its own.
        Assert.Equal(36_707_328, Count("visual.merger.mlp."));
        Assert.Equal(1280, Count("visual.merger.ln_q."));
        Assert.Equal(77_076_992, Count("model.layers.0."));
        Assert.Equal(32 * 12 + 36 * 12 + 1 + 5 + 1 + 1, specs.Count);
        Assert.Equal([1280, 3, 2, 14, 14], specs[0].Shape);
    }
}
