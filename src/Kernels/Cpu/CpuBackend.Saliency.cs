// PruneVid.NET — Cpu backend: attention signals for token reducers.
using PruneVid.Compute;

namespace PruneVid.Kernels.Cpu;

public sealed partial class CpuBackend
{
    private protected override void FrameSaliencyCore(Tensor q, Tensor k, AttentionShape shape, ReadOnlySpan<int> cuSeqLens, int mergeUnit,
        int units, Tensor saliency) =>
        AttentionSaliency.Reference(((CpuTensor)q).F32, ((CpuTensor)k).F32, shape, cuSeqLens, mergeUnit, ((CpuTensor)saliency).F32);

    private protected override void AttentionColumnSumsCore(Tensor q, Tensor k, AttentionShape shape, ReadOnlySpan<int> cuSeqLens, int rows, Tensor sums) =>
        Kernels.AttentionColumnSums.Reference(((CpuTensor)q).F32, ((CpuTensor)k).F32, shape, cuSeqLens, ((CpuTensor)sums).F32);
}
