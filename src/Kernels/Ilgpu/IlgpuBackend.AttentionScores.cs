// PruneVid.NET — ILGPU backend: token scoring from attention.
using PruneVid.Compute;

namespace PruneVid.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    private protected override void AttentionScoresCore(Tensor q, Tensor k, AttentionScoreParams p, Tensor scores)
    {
        IlgpuTensor tq = (IlgpuTensor)q, tk = (IlgpuTensor)k, ts = (IlgpuTensor)scores;
        int items = checked(p.Heads * p.RowCount);
        using Tensor stats = Allocate(DType.F32, Math.Max(1, 2 * items));
        IlgpuTensor tstats = (IlgpuTensor)stats;
        Kernels.AttentionScores.LaunchRowStats(Runtime, items, tq.RawF32, tk.RawF32, tstats.RawF32, p);
        Kernels.AttentionScores.LaunchColumns(Runtime, p.ColumnCount, tq.RawF32, tk.RawF32, tstats.RawF32, ts.RawF32, p);
        // The statistics buffer is freed on return: wait for the queued launches that read it.
        Synchronize();
    }
}
