// PruneVid.NET — model configuration.
using System.Text.Json;

namespace PruneVid.Runtime.Config;

/// <summary>
/// Qwen2.5-VL configuration read from <c>config.json</c> in either layout: the flat hub layout
/// (text fields at the top, <c>rope_scaling</c>) or the transformers-5 nested one (<c>text_config</c> with
/// <c>rope_parameters</c>). Every field the model needs must be in the file: HF class defaults differ from the real
/// checkpoints, so nothing is defaulted except <c>head_dim</c> (hidden / heads, as HF) and <c>in_channels</c> (3, as HF).
/// </summary>
public sealed record Qwen25VLConfig
{
    /// <summary>The file name looked for inside a model folder.</summary>
    public const string FileName = "config.json";

    /// <summary>Language model settings.</summary>
    public required TextConfig Text { get; init; }

    /// <summary>Vision tower settings.</summary>
    public required VisionConfig Vision { get; init; }

    /// <summary>Beginning-of-sequence id (Qwen prompts do not use it; may be absent).</summary>
    public required int? BosTokenId { get; init; }

    /// <summary>End-of-sequence ids (the file may hold one int or a list).</summary>
    public required int[] EosTokenIds { get; init; }

    /// <summary><c>&lt;|vision_start|&gt;</c>.</summary>
    public required int VisionStartTokenId { get; init; }

    /// <summary><c>&lt;|vision_end|&gt;</c>.</summary>
    public required int VisionEndTokenId { get; init; }

    /// <summary><c>&lt;|image_pad|&gt;</c>.</summary>
    public required int ImageTokenId { get; init; }

    /// <summary><c>&lt;|video_pad|&gt;</c>.</summary>
    public required int VideoTokenId { get; init; }

    /// <summary>Where the configuration was read from.</summary>
    public required string SourceName { get; init; }

    /// <summary>The AWQ quantization of the checkpoint's language model, or null for a float checkpoint.</summary>
    public AwqQuantizationConfig? Quantization { get; init; }

    /// <summary>Reads <c>config.json</c> from a model folder, or the given file.</summary>
    public static Qwen25VLConfig Load(string modelDirOrConfigPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelDirOrConfigPath);
        string path = Directory.Exists(modelDirOrConfigPath) ? Path.Combine(modelDirOrConfigPath, FileName) : modelDirOrConfigPath;
        path = Path.GetFullPath(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"model config '{path}' does not exist", path);
        return Parse(ConfigNode.ParseFile(path), path);
    }

    /// <summary>Parses config JSON; <paramref name="sourceName"/> appears in error messages.</summary>
    public static Qwen25VLConfig Parse(string json, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(sourceName);
        return Parse(ConfigNode.ParseDocument(json, sourceName), sourceName);
    }

    private static Qwen25VLConfig Parse(JsonDocument parsed, string sourceName)
    {
        using JsonDocument document = parsed;
        var root = new ConfigNode(document.RootElement, "", sourceName);
        ConfigNode text = root.OptionalObject("text_config") ?? root;

        TextConfig textConfig = ReadText(root, text);
        VisionConfig visionConfig = ReadVision(root.RequireObject("vision_config"));
        if (visionConfig.OutHiddenSize != textConfig.HiddenSize)
            throw new ConfigException(sourceName, "vision_config.out_hidden_size",
                $"is {visionConfig.OutHiddenSize} but the language model's hidden_size is {textConfig.HiddenSize}; they must match");

        int[] eos = TokenIds(root, text, "eos_token_id", required: true)!;
        if (eos.Length == 0) throw new ConfigException(sourceName, "eos_token_id", "must name at least one token id");
        return new Qwen25VLConfig
        {
            Text = textConfig,
            Vision = visionConfig,
            BosTokenId = TokenIds(root, text, "bos_token_id", required: false) is [int bos, ..] ? bos : null,
            EosTokenIds = eos,
            VisionStartTokenId = TokenIds(root, text, "vision_start_token_id", required: true)![0],
            VisionEndTokenId = TokenIds(root, text, "vision_end_token_id", required: true)![0],
            ImageTokenId = TokenIds(root, text, "image_token_id", required: true)![0],
            VideoTokenId = TokenIds(root, text, "video_token_id", required: true)![0],
            SourceName = sourceName,
            Quantization = AwqQuantizationConfig.Read(root),
        };
    }

    /// <summary>Token ids live at the top level; re-saved configs may keep bos/eos in text_config only.</summary>
    private static int[]? TokenIds(ConfigNode root, ConfigNode text, string key, bool required)
    {
        int[]? ids = root.OptionalIntOrIntArray(key) ?? (text.Path.Length > 0 ? text.OptionalIntOrIntArray(key) : null);
        if (ids is null && required) throw new ConfigException(root.Source, key, "required field is missing");
        if (ids is { Length: 0 } && required) throw new ConfigException(root.Source, key, "must name at least one token id");
        return ids;
    }

    private static TextConfig ReadText(ConfigNode root, ConfigNode text)
    {
        int hidden = text.RequirePositiveInt("hidden_size");
        int heads = text.RequirePositiveInt("num_attention_heads");
        int kvHeads = text.RequirePositiveInt("num_key_value_heads");
        if (heads % kvHeads != 0)
            throw new ConfigException(text.Source, text.FieldPath("num_key_value_heads"), $"{kvHeads} does not divide num_attention_heads {heads}");

        int headDim;
        if (text.OptionalInt("head_dim") is int explicitHeadDim)
            headDim = explicitHeadDim > 0 ? explicitHeadDim : throw new ConfigException(text.Source, text.FieldPath("head_dim"), $"must be positive, found {explicitHeadDim}");
        else if (hidden % heads == 0)
            headDim = hidden / heads;
        else
            throw new ConfigException(text.Source, text.FieldPath("head_dim"), $"absent and hidden_size {hidden} is not divisible by num_attention_heads {heads}");

        // rope_parameters (transformers 5) before rope_scaling/rope_theta (hub layout).
        ConfigNode? ropeParameters = text.OptionalObject("rope_parameters");
        ConfigNode rope = ropeParameters ?? text.OptionalObject("rope_scaling") ?? root.OptionalObject("rope_scaling")
            ?? throw new ConfigException(text.Source, text.FieldPath("rope_scaling"), "required field is missing (neither rope_parameters nor rope_scaling is present)");
        string? ropeType = rope.OptionalString("rope_type") ?? rope.OptionalString("type");
        if (ropeType is not null and not "mrope" and not "default")
            throw new ConfigException(text.Source, rope.FieldPath(rope.Has("rope_type") ? "rope_type" : "type"),
                $"'{ropeType}' is not supported (Qwen2.5-VL uses 'mrope'/'default': plain RoPE frequencies with M-RoPE positions)");
        int[] mrope = rope.RequireIntArray("mrope_section");
        if (mrope.Length != 3 || mrope.Any(s => s < 0) || mrope.Sum(s => (long)s) * 2 != headDim)
            throw new ConfigException(text.Source, rope.FieldPath("mrope_section"),
                $"[{string.Join(",", mrope)}] must be three non-negative sections summing to head_dim/2 = {headDim / 2.0}");

        double theta = ropeParameters?.OptionalDouble("rope_theta") ?? text.OptionalDouble("rope_theta") ?? root.OptionalDouble("rope_theta")
            ?? throw new ConfigException(text.Source, text.FieldPath("rope_theta"), "required field is missing");
        if (theta <= 0) throw new ConfigException(text.Source, text.FieldPath("rope_theta"), $"must be positive, found {theta}");

        double eps = text.RequireDouble("rms_norm_eps");
        if (eps <= 0) throw new ConfigException(text.Source, text.FieldPath("rms_norm_eps"), $"must be positive, found {eps}");

        bool tie = text.OptionalBool("tie_word_embeddings") ?? root.OptionalBool("tie_word_embeddings")
            ?? throw new ConfigException(text.Source, text.FieldPath("tie_word_embeddings"), "required field is missing");

        // Widths are multiplied together (projections, KV cache); refuse numbers whose products overflow before anything is sized from them.
        text.RequireFitsInt("num_attention_heads", (double)heads * headDim * 3, "num_attention_heads × head_dim × 3");
        text.RequireFitsInt("hidden_size", (double)hidden * 3, "hidden_size × 3");
        return new TextConfig
        {
            HiddenSize = hidden,
            IntermediateSize = text.RequirePositiveInt("intermediate_size"),
            NumHiddenLayers = text.RequirePositiveInt("num_hidden_layers"),
            NumAttentionHeads = heads,
            NumKeyValueHeads = kvHeads,
            HeadDim = headDim,
            RopeTheta = theta,
            MropeSection = mrope,
            RmsNormEps = eps,
            VocabSize = text.RequirePositiveInt("vocab_size"),
            TieWordEmbeddings = tie,
            MaxPositionEmbeddings = text.RequirePositiveInt("max_position_embeddings"),
            HiddenAct = text.RequireString("hidden_act"),
        };
    }

    private static VisionConfig ReadVision(ConfigNode vision)
    {
        int depth = vision.RequirePositiveInt("depth");
        int hidden = vision.RequirePositiveInt("hidden_size");
        int heads = vision.RequirePositiveInt("num_heads");
        if (hidden % heads != 0)
            throw new ConfigException(vision.Source, vision.FieldPath("num_heads"), $"{heads} does not divide hidden_size {hidden}");
        int[] fullAttention = vision.RequireIntArray("fullatt_block_indexes");
        foreach (int block in fullAttention)
            if (block < 0 || block >= depth)
                throw new ConfigException(vision.Source, vision.FieldPath("fullatt_block_indexes"), $"block {block} is outside 0..{depth - 1}");
        int inChannels = vision.OptionalInt("in_channels") ?? 3;
        if (inChannels <= 0) throw new ConfigException(vision.Source, vision.FieldPath("in_channels"), $"must be positive, found {inChannels}");

        int merge = vision.RequirePositiveInt("spatial_merge_size"), patch = vision.RequirePositiveInt("patch_size");
        int temporal = vision.RequirePositiveInt("temporal_patch_size");
        vision.RequireFitsInt("spatial_merge_size", (double)hidden * merge * merge * 3, "hidden_size × spatial_merge_size² × 3 (the merger width)");
        vision.RequireFitsInt("patch_size", (double)inChannels * temporal * patch * patch, "in_channels × temporal_patch_size × patch_size² (one patch)");
        vision.RequireFitsInt("patch_size", (double)merge * patch, "spatial_merge_size × patch_size");
        return new VisionConfig
        {
            Depth = depth,
            HiddenSize = hidden,
            IntermediateSize = vision.RequirePositiveInt("intermediate_size"),
            NumHeads = heads,
            PatchSize = patch,
            TemporalPatchSize = temporal,
            SpatialMergeSize = merge,
            WindowSize = vision.RequirePositiveInt("window_size"),
            FullAttBlockIndexes = fullAttention,
            OutHiddenSize = vision.RequirePositiveInt("out_hidden_size"),
            TokensPerSecond = vision.RequirePositiveInt("tokens_per_second"),
            InChannels = inChannels,
            HiddenAct = vision.RequireString("hidden_act"),
        };
    }
}
