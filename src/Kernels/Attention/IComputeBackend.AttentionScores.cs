// PruneVid.NET — device layer: token scoring from attention.
using PruneVid.Kernels;

namespace PruneVid.Compute;

public partial interface IComputeBackend
{
    /// <summary>
    /// scores[c] = max over the request's query rows of the heads' (max or mean) softmax probability of key column
    /// <c>ColumnStart + c</c>, for q [S, heads·headDim] and k [S, kvHeads·headDim] of one sequence (GQA keys expanded).
    /// The softmax denominator runs over all S keys, or keys 0..row with <see cref="AttentionScoreRequest.Causal"/>.
    /// Only the request's rows are computed (never the S×S map); f32.
    /// </summary>
    void AttentionScores(Tensor q, Tensor k, AttentionShape shape, AttentionScoreRequest request, Tensor scores);
}
