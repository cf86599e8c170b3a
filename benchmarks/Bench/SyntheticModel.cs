// PruneVid.NET — synthetic Qwen2.5-VL weights of the published shapes, for timing only.
using System.Globalization;
using PruneVid.Compute;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Config;

namespace PruneVid.Bench;

/// <summary>Configs of the published 3B/7B shapes (docs/model.md §1.1) and seeded random bf16 weights for them.</summary>
public static class SyntheticModel
{
    /// <summary>A flat hub-layout config.json for "7b", "3b" or "tiny".</summary>
    public static string ConfigJson(string shape)
    {
        var (hidden, inter, layers, heads, kv, vocab, tie, vDepth, vHidden, vInter, vHeads, full) = shape switch
        {
            "7b" => (3584, 18944, 28, 28, 4, 152064, false, 32, 1280, 3420, 16, "[7,15,23,31]"),
            "3b" => (2048, 11008, 36, 16, 2, 151936, true, 32, 1280, 3420, 16, "[7,15,23,31]"),
            "tiny" => (64, 128, 3, 4, 2, 151936, true, 4, 64, 128, 4, "[1,3]"),
            _ => throw new ArgumentException($"unknown shape '{shape}': use 7b, 3b or tiny"),
        };
        int[] mrope = shape == "tiny" ? [2, 3, 3] : [16, 24, 24];
        return string.Create(CultureInfo.InvariantCulture, $$"""
            {"hidden_size": {{hidden}}, "intermediate_size": {{inter}}, "num_hidden_layers": {{layers}},
             "num_attention_heads": {{heads}}, "num_key_value_heads": {{kv}}, "rms_norm_eps": 1e-6, "rope_theta": 1000000.0,
             "max_position_embeddings": 128000, "rope_scaling": {"type": "mrope", "mrope_section": [{{mrope[0]}},{{mrope[1]}},{{mrope[2]}}]},
             "vocab_size": {{vocab}}, "tie_word_embeddings": {{(tie ? "true" : "false")}}, "hidden_act": "silu",
             "vision_config": {"depth": {{vDepth}}, "hidden_act": "silu", "hidden_size": {{vHidden}}, "intermediate_size": {{vInter}},
               "num_heads": {{vHeads}}, "in_chans": 3, "out_hidden_size": {{hidden}}, "patch_size": 14, "spatial_merge_size": 2,
               "spatial_patch_size": 14, "window_size": 112, "fullatt_block_indexes": {{full}}, "tokens_per_second": 2,
               "temporal_patch_size": 2},
             "vision_start_token_id": 151652, "vision_end_token_id": 151653, "vision_token_id": 151654,
             "image_token_id": 151655, "video_token_id": 151656, "bos_token_id": 151643, "eos_token_id": 151645}
            """);
    }

    /// <summary>Every tensor of the manifest filled with small seeded values (norm gains near 1).</summary>
    public static InMemoryWeights RandomWeights(Qwen25VLConfig config, int seed)
    {
        var weights = new InMemoryWeights(config.Text.TieWordEmbeddings, "synthetic weights");
        var specs = WeightManifest.For(config);
        var arrays = new ushort[specs.Count][];
        Parallel.For(0, specs.Count, i => arrays[i] = RandomTensor(specs[i], i, seed));
        for (int i = 0; i < specs.Count; i++) weights.Add(WeightTensor.FromBf16(specs[i].Name, specs[i].Shape, arrays[i]));
        return weights;
    }

    /// <summary>The seeded values of the <paramref name="index"/>-th tensor of the manifest (norm gains near 1, the rest ±0.02).</summary>
    public static ushort[] RandomTensor(WeightSpec spec, int index, int seed)
    {
        var bits = new ushort[spec.ElementCount];
        bool norm = spec.Shape.Length == 1 && spec.Name.Contains("norm", StringComparison.Ordinal) || spec.Name.Contains("ln_q", StringComparison.Ordinal);
        uint state = (uint)(seed * 7919 + index * 104729) | 1u;
        for (long j = 0; j < bits.LongLength; j++)
        {
            state ^= state << 13; state ^= state >> 17; state ^= state << 5; // xorshift32: fast enough for billions
            float u = (state & 0xFFFF) / 65535f - 0.5f;
            bits[j] = Bf16.FromSingle(norm ? 1f + 0.1f * u : 0.04f * u);
        }
        return bits;
    }

    /// <summary>All parameters of the manifest.</summary>
    public static long ParameterCount(Qwen25VLConfig config) => WeightManifest.For(config).Sum(s => s.ElementCount);

    /// <summary>Bytes of bf16 language-model weights read per decoded token (every layer, final norm, lm_head).</summary>
    public static long LanguageModelBytes(Qwen25VLConfig config)
    {
        long embed = (long)config.Text.VocabSize * config.Text.HiddenSize;
        long layers = WeightManifest.For(config).Where(s => s.Name.StartsWith("model.layers.", StringComparison.Ordinal)).Sum(s => s.ElementCount);
        return 2 * (layers + config.Text.HiddenSize + embed); // lm_head (tied or not) is read once per token
    }
}
