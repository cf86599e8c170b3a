// PruneVid.NET — Attention signals: the validated entries of the token scores reducers read from attention.
using PruneVid.Kernels;

namespace PruneVid.Compute;

public sealed partial class ReductionOps
{
    /// <summary>
    /// scores[c] = max over the request's query rows of the heads' (max or mean) softmax probability of key column
    /// <c>ColumnStart + c</c>, for q [S, heads·headDim] and k [S, kvHeads·headDim] of one sequence (GQA keys expanded).
    /// The softmax denominator runs over all S keys, or keys 0..row with <see cref="AttentionScoreRequest.Causal"/>.
    /// Only the request's rows are computed (never the S×S map); f32.
    /// </summary>
    public void AttentionScores(Tensor q, Tensor k, AttentionShape shape, AttentionScoreRequest request, Tensor scores)
    {
        const string op = "AttentionScores";
        _backend.Require(q, DType.F32, op, nameof(q));
        _backend.Require(k, DType.F32, op, nameof(k));
        _backend.Require(scores, DType.F32, op, nameof(scores));
        AttentionScoreParams p = PruneVid.Kernels.AttentionScores.Validate(shape, q.Length, k.Length, scores.Length, request);
        if (p.ColumnCount == 0) return;
        using ComputeBackend.OpTimer timer = _backend.Time(op);
        _backend.AttentionScoresCore(q, k, p, scores);
    }

    /// <summary>
    /// FastVID's frame saliency from a block's rotated q and k [rows, heads·headDim]: per segment and head, the softmax
    /// (scale <see cref="AttentionShape.Scale"/>) of the segment's mean query against each merge unit's mean key
    /// (<paramref name="mergeUnit"/> consecutive rows), averaged over heads. <paramref name="saliency"/> is F32
    /// [rows / mergeUnit], in the rows' order. Every segment must be a positive multiple of the merge unit.
    /// </summary>
    public void FrameSaliency(Tensor q, Tensor k, AttentionShape shape, ReadOnlySpan<int> cuSeqLens, int mergeUnit, Tensor saliency)
    {
        const string op = "FrameSaliency";
        _backend.Require(q, DType.F32, op, nameof(q));
        _backend.Require(k, DType.F32, op, nameof(k));
        _backend.Require(saliency, DType.F32, op, nameof(saliency));
        int units = AttentionSaliency.Validate(q.Length, k.Length, saliency.Length, shape, cuSeqLens, mergeUnit);
        if (units == 0) return;
        using ComputeBackend.OpTimer timer = _backend.Time(op);
        _backend.FrameSaliencyCore(q, k, shape, cuSeqLens, mergeUnit, units, saliency);
    }

    /// <summary>
    /// The softmax attention each key row receives within its segment (non-causal), summed over the segment's queries
    /// and the heads; <paramref name="sums"/> is F32 [rows]. No attention matrix is stored.
    /// </summary>
    public void AttentionColumnSums(Tensor q, Tensor k, AttentionShape shape, ReadOnlySpan<int> cuSeqLens, Tensor sums)
    {
        const string op = "AttentionColumnSums";
        _backend.Require(q, DType.F32, op, nameof(q));
        _backend.Require(k, DType.F32, op, nameof(k));
        _backend.Require(sums, DType.F32, op, nameof(sums));
        int rows = PruneVid.Kernels.AttentionColumnSums.Validate(q.Length, k.Length, sums.Length, shape, cuSeqLens);
        if (rows == 0) return;
        using ComputeBackend.OpTimer timer = _backend.Time(op);
        _backend.AttentionColumnSumsCore(q, k, shape, cuSeqLens, rows, sums);
    }
}
