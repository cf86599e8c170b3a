// PruneVid.NET — checkpoint loading.
using System.Globalization;
using PruneVid.Runtime.Config;
using PruneVid.Runtime.Errors;

namespace PruneVid.Runtime.Checkpoint;

/// <summary>
/// Every tensor a Qwen2.5-VL model of a given config needs (the hub checkpoints' names), derived from the config alone, and
/// a check of a weight source against it. Specs say BF16, as in the published checkpoints; any floating dtype the
/// runtime reads (<see cref="IsReadableFloat"/>) is accepted in its place, tensor by tensor.
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
    /// <see cref="SafeTensorsFormatException"/> naming the missing and mismatched tensors (the first few of each, with
    /// counts). Before building the list it compares the config's block and layer counts with the checkpoint's, so
    /// an implausible config.json (100000 vision blocks for a checkpoint with 4) fails in one sentence, without
    /// allocating anything in proportion to the config's numbers. Extra tensors are allowed (e.g. an lm_head copy in
    /// a tied checkpoint).
    /// </summary>
    public static void Validate(IWeightSource source, Qwen25VLConfig config)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(config);
        CheckCounts(source, config);
        var missing = new List<string>();
        var mismatched = new List<string>();
        int missingCount = 0, mismatchedCount = 0;
        foreach (WeightSpec spec in For(config))
        {
            if (!source.TryGet(spec.Name, out WeightTensor? tensor))
            {
                if (AwqWeights.IsPacked(source, spec.Name))
                {
                    if (AwqWeights.Problem(source, spec.Name, spec.Shape, config.Quantization) is string problem && mismatchedCount++ < UserMessages.ListedItems)
                        mismatched.Add(problem);
                }
                else if (missingCount++ < UserMessages.ListedItems) missing.Add(spec.Name);
            }
            else if (!IsReadableFloat(tensor.DType) || !tensor.Shape.AsSpan().SequenceEqual(spec.Shape))
            {
                if (mismatchedCount++ < UserMessages.ListedItems)
                    mismatched.Add($"{spec.Name} is {tensor.DType} [{string.Join(",", tensor.Shape)}], expected BF16, F16 or F32 [{string.Join(",", spec.Shape)}]");
            }
        }
        if (missingCount == 0 && mismatchedCount == 0) return;

        var problems = new List<string>();
        if (missingCount > 0) problems.Add($"{missingCount} tensor(s) the model needs are missing: {Listed(missing, missingCount, ", ")}");
        if (mismatchedCount > 0) problems.Add($"{mismatchedCount} tensor(s) have the wrong dtype or shape: {Listed(mismatched, mismatchedCount, "; ")}");
        throw new SafeTensorsFormatException(source.Location, string.Join(". ", problems));
    }

    /// <summary>The dtypes a weight may be stored in: BF16 (used as stored), F16 and F32 (kept exact as f32).</summary>
    public static bool IsReadableFloat(SafeTensorDType dtype) => dtype is SafeTensorDType.BF16 or SafeTensorDType.F16 or SafeTensorDType.F32;

    private static string Listed(List<string> shown, int total, string separator) =>
        string.Join(separator, shown) + (total > shown.Count ? string.Create(CultureInfo.InvariantCulture, $" … and {total - shown.Count:N0} more") : "");

    /// <summary>Vision blocks and text layers the checkpoint holds must be the counts config.json gives.</summary>
    private static void CheckCounts(IWeightSource source, Qwen25VLConfig config)
    {
        int blocks = CountNumbered(source.Names, "visual.blocks.");
        int layers = CountNumbered(source.Names, "model.layers.");
        string configName = Path.GetFileName(config.SourceName);
        if (blocks != config.Vision.Depth)
            throw new SafeTensorsFormatException(source.Location,
                $"{configName} says {config.Vision.Depth} vision blocks (vision_config.depth) but the checkpoint has {blocks}; the config and the weights are from different models");
        if (layers != config.Text.NumHiddenLayers)
            throw new SafeTensorsFormatException(source.Location,
                $"{configName} says {config.Text.NumHiddenLayers} text layers (num_hidden_layers) but the checkpoint has {layers}; the config and the weights are from different models");
    }

    /// <summary>One past the largest N among names "prefixN.…" (0 when there are none).</summary>
    private static int CountNumbered(IEnumerable<string> names, string prefix)
    {
        int count = 0;
        foreach (string name in names)
        {
            if (!name.StartsWith(prefix, StringComparison.Ordinal)) continue;
            int dot = name.IndexOf('.', prefix.Length);
            if (dot > prefix.Length && int.TryParse(name.AsSpan(prefix.Length, dot - prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int n))
                count = Math.Max(count, n + 1);
        }
        return count;
    }
}
