// PruneVid.NET — checkpoint loading tests.
using System.Text.Json;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Config;
using Xunit;

namespace PruneVid.Runtime.Tests.Checkpoint;

/// <summary>Sharded checkpoints, both naming schemes, and the errors around them.</summary>
public sealed class CheckpointWeightsTests
{
    private static string ModelDir => FixturePaths.Get("tiny-qwen25vl");

    /// <summary>The published name in the re-saved (transformers ≥ 4.52) scheme.</summary>
    private static string NewScheme(string name) =>
        name.StartsWith("visual.", StringComparison.Ordinal) ? "model." + name
        : name.StartsWith("model.", StringComparison.Ordinal) ? "model.language_model." + name["model.".Length..]
        : name;

    /// <summary>
    /// Splits the fixture into <paramref name="shards"/> files + index.json, round-robin by sorted name; shards with an
    /// odd index store names in the new scheme. Returns the weight map as written.
    /// </summary>
    private static Dictionary<string, string> WriteSharded(string folder, int shards)
    {
        using SafeTensorsFile source = SafeTensorsFile.Open(Path.Combine(ModelDir, "model.safetensors"));
        var writers = Enumerable.Range(0, shards).Select(_ => new SafeTensorsWriter()).ToArray();
        var weightMap = new Dictionary<string, string>();
        string[] names = source.Tensors.Keys.Order(StringComparer.Ordinal).ToArray();
        for (int i = 0; i < names.Length; i++)
        {
            int shard = i % shards;
            SafeTensorInfo info = source.Tensors[names[i]];
            string stored = shard % 2 == 1 ? NewScheme(info.Name) : info.Name;
            writers[shard].Add(stored, info.DType, info.Shape, source.GetBytes(info.Name).ToArray());
            weightMap[stored] = $"model-{shard + 1:00000}-of-{shards:00000}.safetensors";
        }
        for (int s = 0; s < shards; s++)
        {
            writers[s].Metadata["format"] = "pt";
            writers[s].Save(Path.Combine(folder, $"model-{s + 1:00000}-of-{shards:00000}.safetensors"));
        }
        File.WriteAllText(Path.Combine(folder, CheckpointWeights.IndexFileName),
            JsonSerializer.Serialize(new { metadata = new { total_size = 0 }, weight_map = weightMap }));
        return weightMap;
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void ShardedCopyLoadsIdenticallyToTheSingleFile(int shards)
    {
        using var dir = new TempDirectory("prunevid-shards-");
        File.Copy(Path.Combine(ModelDir, "config.json"), dir.File("config.json"));
        Dictionary<string, string> weightMap = WriteSharded(dir.Path, shards);
        Assert.Contains(weightMap.Keys, k => k.StartsWith("model.language_model.", StringComparison.Ordinal));
        Assert.Contains(weightMap.Keys, k => k.StartsWith("model.visual.", StringComparison.Ordinal));

        Qwen25VLConfig config = Qwen25VLConfig.Load(dir.Path);
        using CheckpointWeights single = CheckpointWeights.Open(ModelDir, config);
        using CheckpointWeights sharded = CheckpointWeights.Open(dir.Path, config);

        Assert.Equal(shards, sharded.Files.Count);
        Assert.EndsWith(CheckpointWeights.IndexFileName, sharded.Location);
        Assert.Equal(single.Names, sharded.Names);
        foreach (string name in single.Names)
        {
            WeightTensor a = single.Get(name), b = sharded.Get(name);
            Assert.Equal(a.DType, b.DType);
            Assert.Equal(a.Shape, b.Shape);
            Assert.True(a.Bytes.SequenceEqual(b.Bytes), $"bytes of {name} differ");
        }
        WeightManifest.Validate(sharded, config);
    }

    [Fact]
    public void MissingShardIsNamed()
    {
        using var dir = new TempDirectory("prunevid-shards-");
        WriteSharded(dir.Path, 3);
        File.Delete(dir.File("model-00002-of-00003.safetensors"));

        var e = Assert.Throws<SafeTensorsFormatException>(() => CheckpointWeights.Open(dir.Path));
        Assert.Equal(dir.File(CheckpointWeights.IndexFileName), e.FilePath);
        Assert.Contains("model-00002-of-00003.safetensors", e.Problem);
        Assert.DoesNotContain("model-00001", e.Problem);
    }

    [Fact]
    public void IndexThatDisagreesWithItsShardsIsRejected()
    {
        using var dir = new TempDirectory("prunevid-shards-");
        Dictionary<string, string> map = WriteSharded(dir.Path, 2);
        string norm = map.Keys.Single(k => WeightNames.Canonicalize(k) == WeightNames.FinalNorm);
        map[norm] = map[norm] == "model-00001-of-00002.safetensors" ? "model-00002-of-00002.safetensors" : "model-00001-of-00002.safetensors";
        map["model.no_such.weight"] = "model-00001-of-00002.safetensors";
        File.WriteAllText(dir.File(CheckpointWeights.IndexFileName), JsonSerializer.Serialize(new { weight_map = map }));

        var e = Assert.Throws<SafeTensorsFormatException>(() => CheckpointWeights.Open(dir.Path));
        Assert.Contains("2 tensor(s) not in their shard", e.Problem);
        Assert.Contains($"'{norm}'", e.Problem);
        Assert.Contains("'model.no_such.weight' (index says 'model-00001-of-00002.safetensors', no shard has it)", e.Problem);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{ "metadata": {} }""")]
    [InlineData("""{ "weight_map": { "a": 3 } }""")]
    [InlineData("""{ "weight_map": { "a": "../outside.safetensors" } }""")]
    public void MalformedIndexIsAFormatError(string index)
    {
        using var dir = new TempDirectory("prunevid-index-");
        File.WriteAllText(dir.File(CheckpointWeights.IndexFileName), index);
        var e = Assert.Throws<SafeTensorsFormatException>(() => CheckpointWeights.Open(dir.Path));
        Assert.Equal(dir.File(CheckpointWeights.IndexFileName), e.FilePath);
    }

    [Fact]
    public void BothNamingSchemesInOneFileCollideClearly()
    {
        using var dir = new TempDirectory("prunevid-dup-");
        new SafeTensorsWriter()
            .AddBf16("model.norm.weight", [2], [1, 2])
            .AddBf16("model.language_model.norm.weight", [2], [1, 2])
            .Save(dir.File("model.safetensors"));
        var e = Assert.Throws<SafeTensorsFormatException>(() => CheckpointWeights.Open(dir.Path));
        Assert.Contains("duplicates 'model.norm.weight'", e.Problem);
    }

    [Theory]
    [InlineData("model.language_model.layers.3.mlp.up_proj.weight", "model.layers.3.mlp.up_proj.weight")]
    [InlineData("model.language_model.embed_tokens.weight", "model.embed_tokens.weight")]
    [InlineData("model.visual.blocks.0.attn.qkv.bias", "visual.blocks.0.attn.qkv.bias")]
    [InlineData("model.visual.merger.mlp.0.weight", "visual.merger.mlp.0.weight")]
    [InlineData("model.layers.0.input_layernorm.weight", "model.layers.0.input_layernorm.weight")]
    [InlineData("visual.patch_embed.proj.weight", "visual.patch_embed.proj.weight")]
    [InlineData("lm_head.weight", "lm_head.weight")]
    public void CanonicalNamesAreThePublishedOnes(string stored, string canonical) =>
        Assert.Equal(canonical, WeightNames.Canonicalize(stored));

    [Fact]
    public void InMemoryWeightsCanonicaliseAndTie()
    {
        using var weights = new InMemoryWeights(tieWordEmbeddings: true);
        weights.Add(WeightTensor.FromBf16("model.language_model.embed_tokens.weight", [2, 3], [1, 2, 3, 4, 5, 6]));
        weights.Add(WeightTensor.FromF32("model.visual.merger.ln_q.weight", [2], [0.5f, -1f]));

        Assert.Equal(["lm_head.weight", "model.embed_tokens.weight", "visual.merger.ln_q.weight"], weights.Names);
        Assert.True(weights.TryGet("lm_head.weight", out WeightTensor? head));
        Assert.Equal(new ushort[] { 1, 2, 3, 4, 5, 6 }, head.ToBf16Bits());
        Assert.False(head.IsMapped);
        Assert.Equal(new[] { 0.5f, -1f }, weights.Get("visual.merger.ln_q.weight").ToF32());
        Assert.False(weights.TryGet("model.norm.weight", out _));
        Assert.Throws<SafeTensorsFormatException>(() => weights.Get("model.norm.weight"));
        Assert.Throws<ArgumentException>(() => WeightTensor.FromBf16("x", [2, 2], [1, 2, 3]));
    }
}
