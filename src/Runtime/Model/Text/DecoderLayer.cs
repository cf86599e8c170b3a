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

        FeedForward(x, h, gate, up, eps);
    }

    /// <summary>
    /// A decode step of M sequences, one row of <paramref name="x"/> [M, H] each, row s following the cached tokens of
    /// <paramref name="caches"/>[s]: every projection is one matrix multiply over the M rows (each weight is streamed
    /// once for the whole batch); the new keys and values land in <paramref name="keys"/>/<paramref name="values"/>
    /// [M, kv], are rotated together, then copied into each sequence's pending row. When the caches share a
    /// <see cref="KvPool"/> (<paramref name="pooled"/>), one attention call over the pool serves every sequence (a
    /// segment each, tables already on the device); otherwise attention runs per sequence over its own cache. Every
    /// row is computed exactly as <see cref="Forward"/> computes a one-row step.
    /// </summary>
    public void ForwardBatch(Tensor x, Tensor positions, RotaryTable rotary, IReadOnlyList<KvCache> caches, Tensor keys, Tensor values,
        ActivationArena arena, PooledAttention? pooled = null)
    {
        var b = _backend;
        int m = x.Rows;
        float eps = (float)_config.RmsNormEps;
        var (h, q, attention, gate, up) = arena.Rent(m);

        b.RmsNorm(x, _w.InputNorm, eps, h);
        b.Project(h, [new(_w.QWeight, _w.QBias, q), new(_w.KWeight, _w.KBias, keys), new(_w.VWeight, _w.VBias, values)]);
        b.MRope(q, _config.NumAttentionHeads, keys, _config.NumKeyValueHeads, _config.HeadDim, positions, rotary.Cos!, rotary.Sin!, _config.MropeSection);
        for (int s = 0; s < m; s++)
        {
            KvCache cache = caches[s];
            b.Copy(b.SliceRows(keys, s, 1), cache.PendingKeys(_index, 1));
            b.Copy(b.SliceRows(values, s, 1), cache.PendingValues(_index, 1));
            cache.StorePending(_index, 1); // a bf16 cache rounds the copied rows in, as a one-row step does
            if (pooled is null)
                b.Attention(b.SliceRows(q, s, 1), cache.Keys(_index, 1), cache.Values(_index, 1), b.SliceRows(attention, s, 1), _shape,
                    [0, 1], [0, cache.Length + 1], causal: true);
        }
        if (pooled is not null)
            b.Attention(q, pooled.Pool.Keys(_index), pooled.Pool.Values(_index), attention, _shape, pooled.CuQ, pooled.CuK, causal: true, pooled.DeviceTables);
        b.MatMulAccumulate(attention, _w.OWeight, null, x);
        FeedForward(x, h, gate, up, eps);
    }

    /// <summary>
    /// The second half of the layer: x += down(silu(gate(h)) · up(h)) with h = norm(x), over balanced slices of at most
    /// as many rows as <paramref name="gate"/> holds (<see cref="ActivationArena.FeedForwardRows"/>; one slice for
    /// decode). Balanced, so that no slice is a short remainder: every slice of a long prompt then takes the same
    /// matrix-multiply path as the whole would, and each row's result is the same as without slicing.
    /// </summary>
    private void FeedForward(Tensor x, Tensor h, Tensor gate, Tensor up, float eps)
    {
        var b = _backend;
        b.RmsNorm(x, _w.PostAttentionNorm, eps, h);
        int m = x.Rows, slices = (m + gate.Rows - 1) / gate.Rows;
        for (int s = 0, start = 0; s < slices; s++)
        {
            int rows = (m - start) / (slices - s);
            bool whole = rows == m;
            Tensor hs = whole ? h : b.SliceRows(h, start, rows), xs = whole ? x : b.SliceRows(x, start, rows);
            Tensor g = rows == gate.Rows ? gate : b.SliceRows(gate, 0, rows), u = rows == up.Rows ? up : b.SliceRows(up, 0, rows);
            b.Project(hs, [new(_w.GateWeight, null, g), new(_w.UpWeight, null, u)]);
            b.SiluMul(g, u, g);
            b.MatMulAccumulate(g, _w.DownWeight, null, xs);
            start += rows;
        }
    }
}

/// <summary>
/// One attention call for every sequence of a batched decode step: their caches live in <paramref name="Pool"/>, the
/// segment tables (<see cref="KvPool.SegmentTables"/>) are <paramref name="CuQ"/>/<paramref name="CuK"/> on the host
/// and <paramref name="DeviceTables"/> on the device (uploaded with the step input).
/// </summary>
internal sealed record PooledAttention(KvPool Pool, int[] CuQ, int[] CuK, Tensor DeviceTables);
