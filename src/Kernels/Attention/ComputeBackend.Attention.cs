// PruneVid.NET — device layer: validated attention.
namespace PruneVid.Compute;

public abstract partial class ComputeBackend
{
    /// <summary>
    /// Softmax attention over independent segments. q is [Mq, heads·headDim], k and v are [Mk, kvHeads·headDim],
    /// output is [Mq, heads·headDim]. Segment s spans query rows [cuQ[s], cuQ[s+1]) and key rows [cuK[s], cuK[s+1]);
    /// empty segments are allowed. Query head h reads kv head h / (heads / kvHeads) (GQA). With
    /// <paramref name="causal"/>, the queries of a segment are the last ones of its keys: query i (0-based in the
    /// segment) sees keys 0 .. i + (lenK − lenQ). Accumulates in f32 with an online softmax. k and v are both F32 or
    /// both BF16 (a bf16 KV cache; widened exactly as they are read).
    /// </summary>
    public void Attention(Tensor q, Tensor k, Tensor v, Tensor output, AttentionShape shape,
        ReadOnlySpan<int> cuSeqLensQ, ReadOnlySpan<int> cuSeqLensK, bool causal)
    {
        const string op = "Attention";
        Require(q, DType.F32, op, nameof(q));
        Own(k, op, nameof(k));
        if (k.DType != DType.F32 && k.DType != DType.BF16) throw new ArgumentException($"{op}: k must be F32 or BF16 (a bf16 KV cache), got {k}", nameof(k));
        Require(v, k.DType, op, nameof(v)); // keys and values share the cache's dtype
        Require(output, DType.F32, op, nameof(output));
        if (shape.Heads <= 0 || shape.KvHeads <= 0 || shape.HeadDim <= 0 || shape.Heads % shape.KvHeads != 0)
            throw new ArgumentException($"{op}: invalid head layout {shape} (heads must be a positive multiple of kvHeads)", nameof(shape));
        if (q.RowLength != shape.Heads * shape.HeadDim) throw new ArgumentException($"{op}: rows of q {q} are not {shape.Heads}×{shape.HeadDim}", nameof(q));
        if (k.RowLength != shape.KvHeads * shape.HeadDim) throw new ArgumentException($"{op}: rows of k {k} are not {shape.KvHeads}×{shape.HeadDim}", nameof(k));
        SameLength(k, v, op, nameof(v));
        SameLength(q, output, op, nameof(output));
        PruneVid.Kernels.Attention.ValidateSegments(cuSeqLensQ, cuSeqLensK, q.Rows, k.Rows, causal);
        if (cuSeqLensQ[^1] == 0) return;
        using OpTimer timer = Time(op);
        if (k.DType == DType.BF16) AttentionBf16KvCore(q, k, v, output, shape, cuSeqLensQ, cuSeqLensK, causal);
        else AttentionCore(q, k, v, output, shape, cuSeqLensQ, cuSeqLensK, causal);
    }

    /// <summary>
    /// Attention over BF16 keys and values (a bf16 KV cache). By default they are widened (exactly) into F32
    /// temporaries for <see cref="AttentionCore"/>; a backend with kernels that read bf16 directly overrides this.
    /// </summary>
    private protected virtual void AttentionBf16KvCore(Tensor q, Tensor k, Tensor v, Tensor output, AttentionShape shape,
        ReadOnlySpan<int> cuSeqLensQ, ReadOnlySpan<int> cuSeqLensK, bool causal)
    {
        using Tensor keys = Allocate(DType.F32, k.Rows, k.RowLength), values = Allocate(DType.F32, v.Rows, v.RowLength);
        ConvertToF32(k, keys);
        ConvertToF32(v, values);
        AttentionCore(q, keys, values, output, shape, cuSeqLensQ, cuSeqLensK, causal);
    }

    /// <summary>Segmented attention (layout, segment tables and sizes checked; at least one query).</summary>
    private protected abstract void AttentionCore(Tensor q, Tensor k, Tensor v, Tensor output, AttentionShape shape,
        ReadOnlySpan<int> cuSeqLensQ, ReadOnlySpan<int> cuSeqLensK, bool causal);
}
