// PruneVid.NET — Cpu backend: token scoring from attention.
using PruneVid.Compute;

namespace PruneVid.Kernels.Cpu;

public sealed partial class CpuBackend
{
    private protected override void AttentionScoresCore(Tensor q, Tensor k, AttentionScoreParams p, Tensor scores) =>
        Kernels.AttentionScores.Reference(((CpuTensor)q).F32, ((CpuTensor)k).F32, ((CpuTensor)scores).F32, p);
}
