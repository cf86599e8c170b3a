// PruneVid.NET — device layer: validated attention.
namespace PruneVid.Compute;

public abstract partial class ComputeBackend
{
    /// <inheritdoc />
    public void Attention(Tensor q, Tensor k, Tensor v, Tensor output, AttentionShape shape,
        ReadOnlySpan<int> cuSeqLensQ, ReadOnlySpan<int> cuSeqLensK, bool causal)
    {
        const string op = "Attention";
        Require(q, DType.F32, op, nameof(q));
        Require(k, DType.F32, op, nameof(k));
        Require(v, DType.F32, op, nameof(v));
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
        AttentionCore(q, k, v, output, shape, cuSeqLensQ, cuSeqLensK, causal);
    }

    /// <summary>Segmented attention (layout, segment tables and sizes checked; at least one query).</summary>
    protected abstract void AttentionCore(Tensor q, Tensor k, Tensor v, Tensor output, AttentionShape shape,
        ReadOnlySpan<int> cuSeqLensQ, ReadOnlySpan<int> cuSeqLensK, bool causal);
}
