// PruneVid.NET — language model: weights on the device.
using PruneVid.Compute;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Config;

namespace PruneVid.Runtime.Model.Text;

/// <summary>
/// The language model's weights, uploaded once as BF16 tensors (zero-copy where the backend allows), with every shape
/// checked against the config; with <c>--weights int8|int4</c> the linear layers are packed in that format and the
/// embedding table and lm_head in int8 (<see cref="WeightUploader.UploadTable"/>).
/// </summary>
internal sealed class TextWeights : IDisposable
{
    private readonly List<Tensor> _owned = [];

    public TextWeights(ComputeBackend backend, TextConfig config, IWeightSource source, WeightFormat format = WeightFormat.Stored)
    {
        int h = config.HiddenSize, q = config.QuerySize, kv = config.KeyValueSize, inter = config.IntermediateSize;
        var uploader = new WeightUploader(backend, source, format);
        Tensor Owned(Tensor t)
        {
            _owned.Add(t);
            return t;
        }
        Tensor Load(string name, params int[] shape) => Owned(uploader.Upload(name, shape));
        Tensor Linear(string name, params int[] shape) => Owned(uploader.UploadLinear(name, shape));
        Tensor Bias(string name, Tensor weight, params int[] shape) => Owned(uploader.UploadBias(name, shape, weight));

        Tensor Table(string name, params int[] shape) => Owned(uploader.UploadTable(name, shape));

        Embedding = Table(WeightNames.EmbedTokens, config.VocabSize, h);
        FinalNorm = Load(WeightNames.FinalNorm, h);
        // Tied checkpoints have no lm_head: reuse the uploaded embedding instead of a second copy.
        LmHead = config.TieWordEmbeddings && !HasUntiedHead(source) ? Embedding : Table(WeightNames.LmHead, config.VocabSize, h);
        Layers = new DecoderLayerWeights[config.NumHiddenLayers];
        for (int l = 0; l < Layers.Length; l++)
        {
            string p = WeightNames.TextLayer(l);
            Tensor qWeight = Linear(p + "self_attn.q_proj.weight", q, h);
            Tensor kWeight = Linear(p + "self_attn.k_proj.weight", kv, h);
            Tensor vWeight = Linear(p + "self_attn.v_proj.weight", kv, h);
            Layers[l] = new DecoderLayerWeights(
                InputNorm: Load(p + "input_layernorm.weight", h),
                PostAttentionNorm: Load(p + "post_attention_layernorm.weight", h),
                QWeight: qWeight,
                QBias: Bias(p + "self_attn.q_proj.bias", qWeight, q),
                KWeight: kWeight,
                KBias: Bias(p + "self_attn.k_proj.bias", kWeight, kv),
                VWeight: vWeight,
                VBias: Bias(p + "self_attn.v_proj.bias", vWeight, kv),
                OWeight: Linear(p + "self_attn.o_proj.weight", h, q),
                GateWeight: Linear(p + "mlp.gate_proj.weight", inter, h),
                UpWeight: Linear(p + "mlp.up_proj.weight", inter, h),
                DownWeight: Linear(p + "mlp.down_proj.weight", h, inter));
        }
    }

    public Tensor Embedding { get; }
    public Tensor FinalNorm { get; }
    public Tensor LmHead { get; }
    public DecoderLayerWeights[] Layers { get; }

    public void Dispose()
    {
        foreach (Tensor t in _owned) t.Dispose();
    }

    /// <summary>A checkpoint may ship its own lm_head even when tied; the source resolves the tie otherwise.</summary>
    private static bool HasUntiedHead(IWeightSource source) =>
        source.TryGet(WeightNames.LmHead, out WeightTensor? head) && source.TryGet(WeightNames.EmbedTokens, out WeightTensor? embed) && !ReferenceEquals(head, embed);
}

/// <summary>One decoder layer's tensors (docs/model.md §2.1: q/k/v with biases, o_proj and the MLP without).</summary>
internal sealed record DecoderLayerWeights(
    Tensor InputNorm, Tensor PostAttentionNorm,
    Tensor QWeight, Tensor QBias, Tensor KWeight, Tensor KBias, Tensor VWeight, Tensor VBias, Tensor OWeight,
    Tensor GateWeight, Tensor UpWeight, Tensor DownWeight);
