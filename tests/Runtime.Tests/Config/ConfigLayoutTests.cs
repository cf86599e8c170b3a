// PruneVid.NET — model configuration tests.
using System.Text.Json;
using PruneVid.Runtime.Config;
using Xunit;

namespace PruneVid.Runtime.Tests.Config;

/// <summary>Both config.json layouts, required-field errors, and generation_config.json.</summary>
public sealed class ConfigLayoutTests
{
    private static string FixtureJson => File.ReadAllText(FixturePaths.Get("tiny-qwen25vl", "config.json"));

    private static string Fingerprint(Qwen25VLConfig config) => JsonSerializer.Serialize(config with { SourceName = "" });

    [Theory]
    [InlineData("fixture")]
    [InlineData("3B")]
    public void NestedTransformers5LayoutReadsTheSameAsTheFlatOne(string which)
    {
        string flat = which == "fixture" ? FixtureJson : ConfigJson.Published3B;
        string nested = ConfigJson.ToNestedLayout(flat);
        Assert.Contains("\"text_config\"", nested);
        Assert.DoesNotContain("rope_scaling", nested);

        Assert.Equal(Fingerprint(Qwen25VLConfig.Parse(flat, "flat")), Fingerprint(Qwen25VLConfig.Parse(nested, "nested")));
    }

    [Fact]
    public void Published3BValuesComeFromTheFile()
    {
        Qwen25VLConfig config = Qwen25VLConfig.Parse(ConfigJson.Published3B, "3B");
        Assert.Equal((2048, 11008, 36, 16, 2, 128), (config.Text.HiddenSize, config.Text.IntermediateSize, config.Text.NumHiddenLayers,
            config.Text.NumAttentionHeads, config.Text.NumKeyValueHeads, config.Text.HeadDim));
        Assert.Equal([16, 24, 24], config.Text.MropeSection);
        Assert.Equal([7, 15, 23, 31], config.Vision.FullAttBlockIndexes);
        Assert.Equal((1280, 3420, 16, 80, 5120), (config.Vision.HiddenSize, config.Vision.IntermediateSize, config.Vision.NumHeads,
            config.Vision.HeadDim, config.Vision.MergedHiddenSize));
        Assert.Equal(1176, config.Vision.PatchVectorLength);
    }

    [Theory]
    [InlineData("hidden_size")]
    [InlineData("intermediate_size")]
    [InlineData("num_hidden_layers")]
    [InlineData("num_attention_heads")]
    [InlineData("num_key_value_heads")]
    [InlineData("rms_norm_eps")]
    [InlineData("vocab_size")]
    [InlineData("tie_word_embeddings")]
    [InlineData("max_position_embeddings")]
    [InlineData("hidden_act")]
    [InlineData("rope_theta")]
    [InlineData("rope_scaling")]
    [InlineData("rope_scaling.mrope_section")]
    [InlineData("vision_config")]
    [InlineData("vision_config.depth")]
    [InlineData("vision_config.hidden_size")]
    [InlineData("vision_config.intermediate_size")]
    [InlineData("vision_config.num_heads")]
    [InlineData("vision_config.patch_size")]
    [InlineData("vision_config.temporal_patch_size")]
    [InlineData("vision_config.spatial_merge_size")]
    [InlineData("vision_config.window_size")]
    [InlineData("vision_config.fullatt_block_indexes")]
    [InlineData("vision_config.out_hidden_size")]
    [InlineData("vision_config.tokens_per_second")]
    [InlineData("vision_config.hidden_act")]
    [InlineData("eos_token_id")]
    [InlineData("vision_start_token_id")]
    [InlineData("vision_end_token_id")]
    [InlineData("image_token_id")]
    [InlineData("video_token_id")]
    public void MissingRequiredFieldInFlatLayoutIsNamed(string path)
    {
        var e = Assert.Throws<ConfigException>(() => Qwen25VLConfig.Parse(ConfigJson.Without(FixtureJson, path), "cfg.json"));
        Assert.Equal(path, e.Field);
        Assert.Equal("cfg.json", e.SourceName);
        Assert.StartsWith($"cfg.json: {path}: ", e.Message);
    }

    [Theory]
    [InlineData("text_config.hidden_size")]
    [InlineData("text_config.num_key_value_heads")]
    [InlineData("text_config.vocab_size")]
    [InlineData("text_config.rope_parameters.mrope_section")]
    [InlineData("vision_config.window_size")]
    public void MissingRequiredFieldInNestedLayoutIsNamed(string path)
    {
        string nested = ConfigJson.ToNestedLayout(FixtureJson);
        var e = Assert.Throws<ConfigException>(() => Qwen25VLConfig.Parse(ConfigJson.Without(nested, path), "nested.json"));
        Assert.Equal(path, e.Field);
    }

    [Fact]
    public void NestedLayoutWithoutRopeThetaAnywhereIsAnError()
    {
        string nested = ConfigJson.Without(ConfigJson.ToNestedLayout(FixtureJson), "text_config.rope_parameters.rope_theta");
        var e = Assert.Throws<ConfigException>(() => Qwen25VLConfig.Parse(nested, "nested.json"));
        Assert.Equal("text_config.rope_theta", e.Field);
        // A legacy text_config.rope_theta beside rope_parameters is accepted (loader rule §1.2).
        Assert.Equal(5e5, Qwen25VLConfig.Parse(ConfigJson.With(nested, "text_config.rope_theta", "500000.0"), "n").Text.RopeTheta);
    }

    [Theory]
    [InlineData("rope_scaling.type", "\"mrope\"", null)]
    [InlineData("rope_scaling.type", "\"default\"", null)]
    [InlineData("rope_scaling.type", "\"yarn\"", "rope_scaling.type")]
    [InlineData("rope_scaling.mrope_section", "[2,3,4]", "rope_scaling.mrope_section")]
    [InlineData("rope_scaling.mrope_section", "[8]", "rope_scaling.mrope_section")]
    [InlineData("hidden_size", "\"64\"", "hidden_size")]
    [InlineData("hidden_size", "64.5", "hidden_size")]
    [InlineData("hidden_size", "0", "hidden_size")]
    [InlineData("num_key_value_heads", "3", "num_key_value_heads")]
    [InlineData("tie_word_embeddings", "1", "tie_word_embeddings")]
    [InlineData("vision_config.fullatt_block_indexes", "[1,4]", "vision_config.fullatt_block_indexes")]
    [InlineData("vision_config.fullatt_block_indexes", "[1,\"3\"]", "vision_config.fullatt_block_indexes[1]")]
    [InlineData("vision_config.out_hidden_size", "128", "vision_config.out_hidden_size")]
    [InlineData("vision_config.num_heads", "5", "vision_config.num_heads")]
    [InlineData("eos_token_id", "[]", "eos_token_id")]
    public void InvalidValuesAreRejectedWithTheirPath(string path, string value, string? expectedField)
    {
        string json = ConfigJson.With(FixtureJson, path, value);
        if (expectedField is null)
        {
            Assert.Equal([2, 3, 3], Qwen25VLConfig.Parse(json, "cfg").Text.MropeSection);
            return;
        }
        var e = Assert.Throws<ConfigException>(() => Qwen25VLConfig.Parse(json, "cfg"));
        Assert.Equal(expectedField, e.Field);
    }

    [Fact]
    public void OptionalFieldsFollowTheFileWhenPresent()
    {
        string json = ConfigJson.With(ConfigJson.With(FixtureJson, "eos_token_id", "[151645, 151643]"), "head_dim", "32");
        json = ConfigJson.With(json, "rope_scaling.mrope_section", "[4,6,6]");
        json = ConfigJson.With(json, "vision_config.in_channels", "1");
        json = ConfigJson.Without(json, "bos_token_id");
        Qwen25VLConfig config = Qwen25VLConfig.Parse(json, "cfg");

        Assert.Equal([151645, 151643], config.EosTokenIds);
        Assert.Equal(32, config.Text.HeadDim);
        Assert.Equal(128, config.Text.QuerySize);
        Assert.Equal(1, config.Vision.InChannels);
        Assert.Null(config.BosTokenId);
    }

    [Fact]
    public void MalformedDocumentAndMissingFileFailClearly()
    {
        var e = Assert.Throws<ConfigException>(() => Qwen25VLConfig.Parse("{ \"hidden_size\": ", "broken.json"));
        Assert.Equal("$", e.Field);
        Assert.Contains("broken.json", e.Message);
        Assert.Equal("$", Assert.Throws<ConfigException>(() => Qwen25VLConfig.Parse("[1,2]", "array.json")).Field);
        Assert.Throws<FileNotFoundException>(() => Qwen25VLConfig.Load(Path.Combine(Path.GetTempPath(), "no-such-model-" + Guid.NewGuid())));
    }

    [Fact]
    public void LoadNamesTheFileOnDisk()
    {
        string dir = Directory.CreateTempSubdirectory("prunevid-cfg-").FullName;
        try
        {
            string path = Path.Combine(dir, Qwen25VLConfig.FileName);
            File.WriteAllText(path, ConfigJson.Without(FixtureJson, "vision_config.window_size"));
            var e = Assert.Throws<ConfigException>(() => Qwen25VLConfig.Load(dir));
            Assert.Equal(path, e.SourceName);
            Assert.Equal($"{path}: vision_config.window_size: required field is missing", e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void GenerationConfigIsOptionalAndReadWhenPresent()
    {
        string dir = Directory.CreateTempSubdirectory("prunevid-gencfg-").FullName;
        try
        {
            Assert.Null(GenerationConfig.Load(dir));
            File.WriteAllText(Path.Combine(dir, GenerationConfig.FileName), """
                { "bos_token_id": 151643, "do_sample": true, "eos_token_id": [151645, 151643], "pad_token_id": 151643,
                  "repetition_penalty": 1.05, "temperature": 0.1, "top_k": 1, "top_p": 0.001, "transformers_version": "4.49.0" }
                """);
            GenerationConfig? g = GenerationConfig.Load(dir);
            Assert.NotNull(g);
            Assert.Equal((true, 0.1, 0.001, 1, 1.05, 151643), (g.DoSample, g.Temperature, g.TopP, g.TopK, g.RepetitionPenalty, g.PadTokenId));
            Assert.Equal([151645, 151643], g.EosTokenIds!);
            Assert.Null(g.MaxNewTokens);

            Assert.Equal([7], GenerationConfig.Parse("""{ "eos_token_id": 7 }""", "g").EosTokenIds!);
            var e = Assert.Throws<ConfigException>(() => GenerationConfig.Parse("""{ "top_k": "many" }""", "g.json"));
            Assert.Equal("top_k", e.Field);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
