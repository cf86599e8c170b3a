// PruneVid.NET — model configuration tests.
using System.Text.Json.Nodes;

namespace PruneVid.Runtime.Tests.Config;

/// <summary>Config documents for tests: the published 3B values (docs/model.md §1.1) and a transformers-5 style rewrite.</summary>
internal static class ConfigJson
{
    /// <summary>Qwen2.5-VL-3B-Instruct's config.json in the flat hub layout.</summary>
    public const string Published3B = """
        {
          "architectures": ["Qwen2_5_VLForConditionalGeneration"],
          "model_type": "qwen2_5_vl",
          "hidden_act": "silu",
          "hidden_size": 2048,
          "intermediate_size": 11008,
          "num_hidden_layers": 36,
          "num_attention_heads": 16,
          "num_key_value_heads": 2,
          "rms_norm_eps": 1e-06,
          "rope_theta": 1000000.0,
          "max_position_embeddings": 128000,
          "rope_scaling": { "type": "mrope", "mrope_section": [16, 24, 24] },
          "vocab_size": 151936,
          "tie_word_embeddings": true,
          "torch_dtype": "bfloat16",
          "vision_config": {
            "depth": 32, "hidden_act": "silu", "hidden_size": 1280, "intermediate_size": 3420, "num_heads": 16,
            "in_chans": 3, "out_hidden_size": 2048, "patch_size": 14, "spatial_merge_size": 2, "spatial_patch_size": 14,
            "window_size": 112, "fullatt_block_indexes": [7, 15, 23, 31], "tokens_per_second": 2, "temporal_patch_size": 2
          },
          "bos_token_id": 151643,
          "eos_token_id": 151645,
          "vision_start_token_id": 151652,
          "vision_end_token_id": 151653,
          "vision_token_id": 151654,
          "image_token_id": 151655,
          "video_token_id": 151656
        }
        """;

    private static readonly string[] TopLevelKeys =
    [
        "architectures", "model_type", "vision_config", "image_token_id", "video_token_id", "vision_start_token_id",
        "vision_end_token_id", "vision_token_id", "tie_word_embeddings", "transformers_version",
    ];

    /// <summary>
    /// Rewrites a flat hub config the way transformers 5 saves it (docs/model.md §1.2): text fields move under
    /// "text_config", rope_scaling + rope_theta become text_config.rope_parameters, torch_dtype becomes dtype.
    /// </summary>
    public static string ToNestedLayout(string flatJson)
    {
        JsonObject flat = JsonNode.Parse(flatJson)!.AsObject();
        var nested = new JsonObject();
        var text = new JsonObject { ["model_type"] = "qwen2_5_vl_text" };
        foreach ((string key, JsonNode? value) in flat.ToArray())
        {
            flat.Remove(key);
            if (key == "torch_dtype") { nested["dtype"] = value; text["dtype"] = value?.DeepClone(); }
            else if (key is "rope_scaling" or "rope_theta") continue;
            else if (TopLevelKeys.Contains(key)) nested[key] = value;
            else text[key] = value;
        }
        JsonObject oldRope = JsonNode.Parse(flatJson)!["rope_scaling"]!.AsObject();
        text["rope_parameters"] = new JsonObject
        {
            ["rope_type"] = "default",
            ["mrope_section"] = oldRope["mrope_section"]!.DeepClone(),
            ["rope_theta"] = JsonNode.Parse(flatJson)!["rope_theta"]!.DeepClone(),
        };
        nested["text_config"] = text;
        return nested.ToJsonString();
    }

    /// <summary>Removes the field at a dotted path (e.g. "vision_config.window_size").</summary>
    public static string Without(string json, string path) => Edit(json, path, (parent, key) => parent.Remove(key));

    /// <summary>Sets the field at a dotted path to a JSON value.</summary>
    public static string With(string json, string path, string valueJson) =>
        Edit(json, path, (parent, key) => parent[key] = JsonNode.Parse(valueJson));

    private static string Edit(string json, string path, Action<JsonObject, string> edit)
    {
        JsonObject root = JsonNode.Parse(json)!.AsObject();
        string[] parts = path.Split('.');
        JsonObject parent = root;
        foreach (string part in parts[..^1]) parent = parent[part]!.AsObject();
        edit(parent, parts[^1]);
        return root.ToJsonString();
    }
}
