// PruneVid.NET — Attention signals: the Cpu cores of the token scores reducers read from attention (the references).
using PruneVid.Compute;

namespace PruneVid.Kernels.Cpu;

public sealed partial class CpuBackend
{
    internal override void AttentionScoresCore(Tensor q, Tensor k, AttentionScoreParams p, Tensor scores) =>
        Kernels.AttentionScores.Reference(((CpuTensor)q).F32, ((CpuTensor)k).F32, ((CpuTensor)scores).F32, p);

    internal override void FrameSaliencyCore(Tensor q, Tensor k, AttentionShape shape, ReadOnlySpan<int> cuSeqLens, int mergeUnit,
        int units, Tensor saliency) =>
        AttentionSaliency.Reference(((CpuTensor)q).F32, ((CpuTensor)k).F32, shape, cuSeqLens, mergeUnit, ((CpuTensor)saliency).F32);

    internal override void AttentionColumnSumsCore(Tensor q, Tensor k, AttentionShape shape, ReadOnlySpan<int> cuSeqLens, int rows, Tensor sums) =>
        Kernels.AttentionColumnSums.Reference(((CpuTensor)q).F32, ((CpuTensor)k).F32, shape, cuSeqLens, ((CpuTensor)sums).F32);
}
