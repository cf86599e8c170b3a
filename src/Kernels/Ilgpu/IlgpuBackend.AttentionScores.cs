// PruneVid.NET — ILGPU backend: token scoring from attention.
using PruneVid.Compute;

namespace PruneVid.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc />
    public void AttentionScores(Tensor q, Tensor k, AttentionShape shape, AttentionScoreRequest request, Tensor scores)
    {
        IlgpuTensor tq = Own(q, nameof(q)), tk = Own(k, nameof(k)), ts = Own(scores, nameof(scores));
        RequireF32(tq, nameof(q), "AttentionScores");
        RequireF32(tk, nameof(k), "AttentionScores");
        RequireF32(ts, nameof(scores), "AttentionScores");
        AttentionScoreParams p = Kernels.AttentionScores.Validate(shape, tq.Length, tk.Length, ts.Length, request);
        if (p.ColumnCount == 0) return;
        int items = checked(p.Heads * p.RowCount);
        using Tensor stats = Allocate(DType.F32, Math.Max(1, 2 * items));
        IlgpuTensor tstats = Own(stats, nameof(stats));
        Kernels.AttentionScores.LaunchRowStats(Runtime, items, tq.RawF32, tk.RawF32, tstats.RawF32, p);
        Kernels.AttentionScores.LaunchColumns(Runtime, p.ColumnCount, tq.RawF32, tk.RawF32, tstats.RawF32, ts.RawF32, p);
        // The statistics buffer is freed on return: wait for the queued launches that read it.
        Synchronize();
    }
}
