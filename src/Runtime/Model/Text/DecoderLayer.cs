// PruneVid.NET — language model: one Qwen2 decoder layer.
using PruneVid.Compute;
using PruneVid.Runtime.Config;

namespace PruneVid.Runtime.Model.Text;

/// <summary>
/// Pre-norm decoder layer (HF <c>Qwen2_5_VLDecoderLayer</c>; docs/architecture.md): x += o_proj(attention(mrope(q), mrope(k), v)), then
/// x += down(silu(gate(h)) · up(h)). The new keys and values go straight into the cache rows after the cached
/// tokens, so prefill (many rows) and decode (one row) are the same code: causal attention whose queries are the
/// last rows of the keys.
/// </summary>
internal sealed class DecoderLayer
{
    private readonly ComputeBackend _backend;
    private readonly TextConfig _config;
    private readonly DecoderLayerWeights _w;
    private readonly int _index;
    private readonly AttentionShape _shape;

    public DecoderLayer(ComputeBackend backend, TextConfig config, DecoderLayerWeights weights, int index)
    {
        _backend = backend;
        _config = config;
        _w = weights;
        _index = index;
        _shape = AttentionShape.Create(config.NumAttentionHeads, config.NumKeyValueHeads, config.HeadDim);
    }

    /// <summary>
    /// Runs the layer in place on the residual stream <paramref name="x"/> [M, H] whose rows follow the
    /// <see cref="KvCache.Length"/> cached tokens; writes their keys/values into the cache's pending rows
    /// (the caller commits them after the last layer). <paramref name="capture"/>, when given, receives copies of the
    /// layer's queries and keys for an in-model hook. Its intermediates live in <paramref name="arena"/>.
    /// </summary>
    public void Forward(Tensor x, Tensor positions, RotaryTable rotary, KvCache cache, ActivationArena arena, LayerCapture? capture = null)
    {
        var b = _backend;
        int m = x.Rows, cached = cache.Length;
        float eps = (float)_config.RmsNormEps;
        var (h, q, attention, gate, up) = arena.Rent(m);

        // One launch each on a device for q/k/v, M-RoPE on q and k, and o_proj/down with their residual add (a
        // decode step's launch budget, docs/compute-backends.md "Decode budget").
        b.RmsNorm(x, _w.InputNorm, eps, h);
        Tensor k = cache.PendingKeys(_index, m), v = cache.PendingValues(_index, m);
        b.Project(h, [new(_w.QWeight, _w.QBias, q), new(_w.KWeight, _w.KBias, k), new(_w.VWeight, _w.VBias, v)]);
        capture?.Take(b, q, k, rotated: false);
        b.MRope(q, _config.NumAttentionHeads, k, _config.NumKeyValueHeads, _config.HeadDim, positions, rotary.Cos!, rotary.Sin!, _config.MropeSection);
        capture?.Take(b, q, k, rotated: true);
        cache.StorePending(_index, m); // a bf16 cache rounds the finished rows in; an f32 one already holds them
        b.Attention(q, cache.Keys(_index, m), cache.Values(_index, m), attention, _shape, [0, m], [0, cached + m], causal: true);
        b.MatMulAccumulate(attention, _w.OWeight, null, x);

        b.RmsNorm(x, _w.PostAttentionNorm, eps, h);
        b.Project(h, [new(_w.GateWeight, null, gate), new(_w.UpWeight, null, up)]);
        b.SiluMul(gate, up, gate);
        b.MatMulAccumulate(gate, _w.DownWeight, null, x);
    }
}
