// PruneVid.NET — demo: a tiny, seeded, random Qwen2.5-VL model written as a real model folder.
using System.Text.Json;
using System.Text.Json.Nodes;
using PruneVid.Compute;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Config;
using PruneVid.Runtime.Text;

namespace PruneVid.Tools.Demo;

/// <summary>
/// Writes a complete model folder (config.json, model.safetensors, tokenizer.json) for a toy-width Qwen2.5-VL with
/// seeded random weights, so the whole pipeline — loading included — runs with no download. Its vocabulary is the
/// 256 byte-level symbols plus Qwen2.5-VL's added tokens renumbered from 256 (so the special ids differ from the
/// published ones, which also exercises reading them from the config). Its answers are meaningless by design.
/// </summary>
public static class TinyModelFolder
{
    private const int ByteSymbols = 256;

    /// <summary>Creates the folder (it must not exist or be empty) and returns its path.</summary>
    public static string Create(string folder, int seed = 1234)
    {
        if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
            throw new IOException($"'{folder}' is not empty; the tiny model is only written into a new or empty folder");
        Directory.CreateDirectory(folder);

        var added = QwenSpecialTokens.Qwen25VLAddedTokens;
        int Id(string content) => ByteSymbols + added.Select((t, i) => (t, i)).First(x => x.t.Content == content).i;
        int vocab = ByteSymbols + added.Count;

        File.WriteAllText(Path.Combine(folder, Qwen25VLConfig.FileName), ConfigJson(vocab, Id).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), TokenizerJson(added));
        var config = Qwen25VLConfig.Load(folder);

        var writer = new SafeTensorsWriter();
        var rng = new Random(seed);
        foreach (WeightSpec spec in WeightManifest.For(config))
        {
            var bits = new ushort[spec.ElementCount];
            bool isNorm = spec.Name.EndsWith("norm.weight", StringComparison.Ordinal) || spec.Name.Contains("norm1") ||
                          spec.Name.Contains("norm2") || spec.Name.Contains("ln_q");
            for (int i = 0; i < bits.Length; i++)
            {
                // Norm gains near 1 and small Gaussian-like weights keep activations in range through every layer.
                double u = rng.NextDouble() + rng.NextDouble() + rng.NextDouble() - 1.5;
                bits[i] = Bf16.FromSingle((float)(isNorm ? 1.0 + 0.1 * u : 0.05 * u));
            }
            writer.AddBf16(spec.Name, spec.Shape.Select(d => (long)d).ToArray(), bits);
        }
        writer.Metadata["format"] = "pt";
        writer.Save(Path.Combine(folder, "model.safetensors"));
        return folder;
    }

    private static JsonObject ConfigJson(int vocab, Func<string, int> id) => new()
    {
        ["architectures"] = new JsonArray("Qwen2_5_VLForConditionalGeneration"),
        ["model_type"] = "qwen2_5_vl",
        ["hidden_act"] = "silu",
        ["hidden_size"] = 64,
        ["intermediate_size"] = 128,
        ["num_hidden_layers"] = 3,
        ["num_attention_heads"] = 4,
        ["num_key_value_heads"] = 2,
        ["rms_norm_eps"] = 1e-6,
        ["rope_theta"] = 1000000.0,
        ["max_position_embeddings"] = 32768,
        ["rope_scaling"] = new JsonObject { ["type"] = "mrope", ["mrope_section"] = new JsonArray(2, 3, 3) },
        ["vocab_size"] = vocab,
        ["tie_word_embeddings"] = true,
        ["vision_config"] = new JsonObject
        {
            ["depth"] = 4,
            ["hidden_act"] = "silu",
            ["hidden_size"] = 64,
            ["intermediate_size"] = 128,
            ["num_heads"] = 4,
            ["in_chans"] = 3,
            ["out_hidden_size"] = 64,
            ["patch_size"] = 14,
            ["spatial_merge_size"] = 2,
            ["spatial_patch_size"] = 14,
            ["window_size"] = 112,
            ["fullatt_block_indexes"] = new JsonArray(1, 3),
            ["tokens_per_second"] = 2,
            ["temporal_patch_size"] = 2,
        },
        ["vision_start_token_id"] = id("<|vision_start|>"),
        ["vision_end_token_id"] = id("<|vision_end|>"),
        ["vision_token_id"] = id("<|vision_pad|>"),
        ["image_token_id"] = id("<|image_pad|>"),
        ["video_token_id"] = id("<|video_pad|>"),
        ["bos_token_id"] = id("<|endoftext|>"),
        ["eos_token_id"] = id("<|im_end|>"),
    };

    private static string TokenizerJson(IReadOnlyList<(string Content, int Id, bool Special)> added)
    {
        var vocab = new JsonObject();
        for (int b = 0; b < ByteSymbols; b++) vocab[ByteLevel.ToChar((byte)b).ToString()] = b;
        var addedTokens = new JsonArray();
        for (int i = 0; i < added.Count; i++)
            addedTokens.Add(new JsonObject { ["id"] = ByteSymbols + i, ["content"] = added[i].Content, ["special"] = added[i].Special });
        var root = new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = addedTokens,
            ["model"] = new JsonObject { ["type"] = "BPE", ["vocab"] = vocab, ["merges"] = new JsonArray() },
        };
        return root.ToJsonString();
    }
}
