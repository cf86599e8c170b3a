// PruneVid.NET — Attention signals: the backend cores of the reducers' attention scores (validated in ReductionOps.AttentionSignals.cs).
using PruneVid.Kernels;

namespace PruneVid.Compute;

public abstract partial class ComputeBackend
{
    /// <summary>Attention scores of a validated request with at least one column.</summary>
    internal abstract void AttentionScoresCore(Tensor q, Tensor k, AttentionScoreParams p, Tensor scores);

    /// <summary>Frame saliency over validated segments (<paramref name="units"/> &gt; 0 merge units).</summary>
    internal abstract void FrameSaliencyCore(Tensor q, Tensor k, AttentionShape shape, ReadOnlySpan<int> cuSeqLens, int mergeUnit,
        int units, Tensor saliency);

    /// <summary>Attention column sums over validated segments (<paramref name="rows"/> &gt; 0).</summary>
    internal abstract void AttentionColumnSumsCore(Tensor q, Tensor k, AttentionShape shape, ReadOnlySpan<int> cuSeqLens, int rows, Tensor sums);
}
