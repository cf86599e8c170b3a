// PruneVid.NET — Cpu backend: token scoring from attention.
using PruneVid.Compute;

namespace PruneVid.Kernels.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    public void AttentionScores(Tensor q, Tensor k, AttentionShape shape, AttentionScoreRequest request, Tensor scores)
    {
        var (tq, tk, ts) = (Own(q), Own(k), Own(scores));
        AttentionScoreParams p = Kernels.AttentionScores.Validate(shape, tq.Length, tk.Length, ts.Length, request);
        Kernels.AttentionScores.Reference(tq.F32, tk.F32, ts.F32, p);
    }
}
