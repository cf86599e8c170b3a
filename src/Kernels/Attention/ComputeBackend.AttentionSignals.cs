// PruneVid.NET — device layer: validated attention signals (token scoring for reducers).
using PruneVid.Kernels;

namespace PruneVid.Compute;

public abstract partial class ComputeBackend
{
    /// <inheritdoc />
    public void AttentionScores(Tensor q, Tensor k, AttentionShape shape, AttentionScoreRequest request, Tensor scores)
    {
        const string op = "AttentionScores";
        Require(q, DType.F32, op, nameof(q));
        Require(k, DType.F32, op, nameof(k));
        Require(scores, DType.F32, op, nameof(scores));
        AttentionScoreParams p = PruneVid.Kernels.AttentionScores.Validate(shape, q.Length, k.Length, scores.Length, request);
        if (p.ColumnCount == 0) return;
        using OpTimer timer = Time(op);
        AttentionScoresCore(q, k, p, scores);
    }

    /// <inheritdoc />
    public void FrameSaliency(Tensor q, Tensor k, AttentionShape shape, ReadOnlySpan<int> cuSeqLens, int mergeUnit, Tensor saliency)
    {
        const string op = "FrameSaliency";
        Require(q, DType.F32, op, nameof(q));
        Require(k, DType.F32, op, nameof(k));
        Require(saliency, DType.F32, op, nameof(saliency));
        int units = AttentionSaliency.Validate(q.Length, k.Length, saliency.Length, shape, cuSeqLens, mergeUnit);
        if (units == 0) return;
        using OpTimer timer = Time(op);
        FrameSaliencyCore(q, k, shape, cuSeqLens, mergeUnit, units, saliency);
    }

    /// <inheritdoc />
    public void AttentionColumnSums(Tensor q, Tensor k, AttentionShape shape, ReadOnlySpan<int> cuSeqLens, Tensor sums)
    {
        const string op = "AttentionColumnSums";
        Require(q, DType.F32, op, nameof(q));
        Require(k, DType.F32, op, nameof(k));
        Require(sums, DType.F32, op, nameof(sums));
        int rows = PruneVid.Kernels.AttentionColumnSums.Validate(q.Length, k.Length, sums.Length, shape, cuSeqLens);
        if (rows == 0) return;
        using OpTimer timer = Time(op);
        AttentionColumnSumsCore(q, k, shape, cuSeqLens, rows, sums);
    }

    /// <summary>Attention scores of a validated request with at least one column.</summary>
    private protected abstract void AttentionScoresCore(Tensor q, Tensor k, AttentionScoreParams p, Tensor scores);

    /// <summary>Frame saliency over validated segments (<paramref name="units"/> &gt; 0 merge units).</summary>
    private protected abstract void FrameSaliencyCore(Tensor q, Tensor k, AttentionShape shape, ReadOnlySpan<int> cuSeqLens, int mergeUnit,
        int units, Tensor saliency);

    /// <summary>Attention column sums over validated segments (<paramref name="rows"/> &gt; 0).</summary>
    private protected abstract void AttentionColumnSumsCore(Tensor q, Tensor k, AttentionShape shape, ReadOnlySpan<int> cuSeqLens, int rows, Tensor sums);
}
