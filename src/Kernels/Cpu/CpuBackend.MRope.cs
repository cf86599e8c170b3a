// PruneVid.NET — Cpu backend: M-RoPE.
using PruneVid.Compute;

namespace PruneVid.Kernels.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    public void MRope(Tensor x, int heads, int headDim, Tensor positions, Tensor cosTable, Tensor sinTable, ReadOnlySpan<int> mropeSection)
    {
        var (tx, tp, tc, ts) = (Own(x), Own(positions), Own(cosTable), Own(sinTable));
        if (tx.RowLength != heads * headDim) throw new ArgumentException($"mrope: {tx} rows are not {heads}×{headDim}");
        if (tp.Length != 3L * tx.Rows) throw new ArgumentException($"mrope: positions {tp} must be [3,{tx.Rows}]");
        Kernels.MRope.Reference(tx.F32, heads, headDim, tp.I32, tc.F32, ts.F32, mropeSection);
    }
}
