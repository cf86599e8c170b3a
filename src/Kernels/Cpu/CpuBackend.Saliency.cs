// PruneVid.NET — Cpu backend: attention signals for token reducers.
using PruneVid.Compute;

namespace PruneVid.Kernels.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    public void FrameSaliency(Tensor q, Tensor k, AttentionShape shape, ReadOnlySpan<int> cuSeqLens, int mergeUnit, Tensor saliency)
        => AttentionSaliency.Reference(Own(q).F32, Own(k).F32, shape, cuSeqLens, mergeUnit, Own(saliency).F32);

    /// <inheritdoc />
    public void AttentionColumnSums(Tensor q, Tensor k, AttentionShape shape, ReadOnlySpan<int> cuSeqLens, Tensor sums)
        => Kernels.AttentionColumnSums.Reference(Own(q).F32, Own(k).F32, shape, cuSeqLens, Own(sums).F32);
}
