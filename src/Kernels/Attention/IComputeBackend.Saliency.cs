// PruneVid.NET — device layer: attention signals for token reducers.
namespace PruneVid.Compute;

public partial interface IComputeBackend
{
    /// <summary>
    /// FastVID's frame saliency from a block's rotated q and k [rows, heads·headDim]: per segment and head, the softmax
    /// (scale <see cref="AttentionShape.Scale"/>) of the segment's mean query against each merge unit's mean key
    /// (<paramref name="mergeUnit"/> consecutive rows), averaged over heads. <paramref name="saliency"/> is F32
    /// [rows / mergeUnit], in the rows' order. Every segment must be a positive multiple of the merge unit.
    /// </summary>
    void FrameSaliency(Tensor q, Tensor k, AttentionShape shape, ReadOnlySpan<int> cuSeqLens, int mergeUnit, Tensor saliency);

    /// <summary>
    /// The softmax attention each key row receives within its segment (non-causal), summed over the segment's queries
    /// and the heads; <paramref name="sums"/> is F32 [rows]. No attention matrix is stored.
    /// </summary>
    void AttentionColumnSums(Tensor q, Tensor k, AttentionShape shape, ReadOnlySpan<int> cuSeqLens, Tensor sums);
}
