// PruneVid.NET — checkpoint loading.
using PruneVid.Runtime.Config;

namespace PruneVid.Runtime.Checkpoint;

/// <summary>
/// Every tensor a Qwen2.5-VL model of a given config needs (QWEN25VL.md §2.1), derived from the config alone, and
/// a check of a weight source against it. Weights are BF16, as in the published checkpoints.
/// </summary>
public static class WeightManifest
{
    private const SafeTensorDType Bf16 = SafeTensorDType.BF16;

    /// <summary>The needed tensors in model order: vision (patch embed, blocks, merger), then text; lm_head only when untied.</summary>
    public static IReadOnlyList<WeightSpec> For(Qwen25VLConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var specs = new List<WeightSpec>();
        AddVision(specs, config.Vision);
        AddText(specs, config.Text);
        return specs;
    }

    private static void AddVision(List<WeightSpec> specs, VisionConfig v)
    {
        void Add(string name, params int[] shape) => specs.Add(new WeightSpec(name, Bf16, shape));

        // Conv3d with kernel = stride and no bias: [out, channels, temporal, patch, patch].
        Add("visual.patch_embed.proj.weight", v.HiddenSize, v.InChannels, v.TemporalPatchSize, v.PatchSize, v.PatchSize);
        for (int b = 0; b < v.Depth; b++)
        {
            string p = WeightNames.VisionBlock(b);
            Add(p + "norm1.weight", v.HiddenSize);
            Add(p + "norm2.weight", v.HiddenSize);
            Add(p + "attn.qkv.weight", 3 * v.HiddenSize, v.HiddenSize);
            Add(p + "attn.qkv.bias", 3 * v.HiddenSize);
            Add(p + "attn.proj.weight", v.HiddenSize, v.HiddenSize);
            Add(p + "attn.proj.bias", v.HiddenSize);
            Add(p + "mlp.gate_proj.weight", v.IntermediateSize, v.HiddenSize);
            Add(p + "mlp.gate_proj.bias", v.IntermediateSize);
            Add(p + "mlp.up_proj.weight", v.IntermediateSize, v.HiddenSize);
            Add(p + "mlp.up_proj.bias", v.IntermediateSize);
            Add(p + "mlp.down_proj.weight", v.HiddenSize, v.IntermediateSize);
            Add(p + "mlp.down_proj.bias", v.HiddenSize);
        }
        // ln_q is an RMSNorm (weight only); mlp.1 is the parameter-free GELU.
        Add("visual.merger.ln_q.weight", v.HiddenSize);
        Add("visual.merger.mlp.0.weight", v.MergedHiddenSize, v.MergedHiddenSize);
        Add("visual.merger.mlp.0.bias", v.MergedHiddenSize);
        Add("visual.merger.mlp.2.weight", v.OutHiddenSize, v.MergedHiddenSize);
        Add("visual.merger.mlp.2.bias", v.OutHiddenSize);
    }

    private static void AddText(List<WeightSpec> specs, TextConfig t)
    {
        void Add(string name, params int[] shape) => specs.Add(new WeightSpec(name, Bf16, shape));

        Add(WeightNames.EmbedTokens, t.VocabSize, t.HiddenSize);
        for (int l = 0; l < t.NumHiddenLayers; l++)
        {
            string p = WeightNames.TextLayer(l);
            Add(p + "input_layernorm.weight", t.HiddenSize);
            Add(p + "self_attn.q_proj.weight", t.QuerySize, t.HiddenSize);
            Add(p + "self_attn.q_proj.bias", t.QuerySize);
            Add(p + "self_attn.k_proj.weight", t.KeyValueSize, t.HiddenSize);
            Add(p + "self_attn.k_proj.bias", t.KeyValueSize);
            Add(p + "self_attn.v_proj.weight", t.KeyValueSize, t.HiddenSize);
            Add(p + "self_attn.v_proj.bias", t.KeyValueSize);
            Add(p + "self_attn.o_proj.weight", t.HiddenSize, t.QuerySize);
            Add(p + "post_attention_layernorm.weight", t.HiddenSize);
            Add(p + "mlp.gate_proj.weight", t.IntermediateSize, t.HiddenSize);
            Add(p + "mlp.up_proj.weight", t.IntermediateSize, t.HiddenSize);
            Add(p + "mlp.down_proj.weight", t.HiddenSize, t.IntermediateSize);
        }
        Add(WeightNames.FinalNorm, t.HiddenSize);
        if (!t.TieWordEmbeddings) Add(WeightNames.LmHead, t.VocabSize, t.HiddenSize);
    }

    /// <summary>
    /// Checks that <paramref name="source"/> holds every needed tensor with the right dtype and shape; throws one
    /// <see cref="SafeTensorsFormatException"/> listing all missing names and all mismatches at once.
    /// Extra tensors are allowed (e.g. an lm_head copy in a tied checkpoint).
    /// </summary>
    public static void Validate(IWeightSource source, Qwen25VLConfig config)
    {
        ArgumentNullException.ThrowIfNull(source);
        var missing = new List<string>();
        var mismatched = new List<string>();
        foreach (WeightSpec spec in For(config))
        {
            if (!source.TryGet(spec.Name, out WeightTensor? tensor))
                missing.Add(spec.Name);
            else if (tensor.DType != spec.DType || !tensor.Shape.AsSpan().SequenceEqual(spec.Shape))
                mismatched.Add($"{spec.Name} is {tensor.DType} [{string.Join(",", tensor.Shape)}], expected {spec.DType} [{string.Join(",", spec.Shape)}]");
        }
        if (missing.Count == 0 && mismatched.Count == 0) return;

        var problems = new List<string>();
        if (missing.Count > 0) problems.Add($"{missing.Count} tensor(s) the model needs are missing: {string.Join(", ", missing)}");
        if (mismatched.Count > 0) problems.Add($"{mismatched.Count} tensor(s) have the wrong dtype or shape: {string.Join("; ", mismatched)}");
        throw new SafeTensorsFormatException(source.Location, string.Join(". ", problems));
    }
}
