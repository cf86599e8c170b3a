// PruneVid.NET — ILGPU backend: rotate-half rotary embedding.
using PruneVid.Compute;

namespace PruneVid.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc />
    public void Rotary(Tensor x, int heads, int headDim, Tensor cos, Tensor sin)
    {
        IlgpuTensor tx = Own(x, nameof(x)), tc = Own(cos, nameof(cos)), ts = Own(sin, nameof(sin));
        RequireF32(tx, nameof(x), "Rotary");
        RequireF32(tc, nameof(cos), "Rotary");
        RequireF32(ts, nameof(sin), "Rotary");
        if (heads <= 0 || headDim <= 0 || headDim % 2 != 0)
            throw new ArgumentException($"Rotary: heads ({heads}) must be positive and headDim ({headDim}) positive and even", nameof(headDim));
        if (tx.RowLength != heads * headDim) throw new ArgumentException($"Rotary: rows of {tx} are not {heads}×{headDim}", nameof(x));
        if (tc.Length != (long)tx.Rows * headDim || ts.Length != tc.Length)
            throw new ArgumentException($"Rotary: cos {tc} and sin {ts} must be [{tx.Rows},{headDim}]", nameof(cos));
        long pairs = tx.Length / 2;
        if (pairs > int.MaxValue) throw new ArgumentException($"Rotary: {tx} is too large for one launch", nameof(x));
        Kernels.Rotary.LaunchHalfPairs(Runtime, (int)pairs, tx.RawF32, tc.RawF32, ts.RawF32, heads, headDim);
    }
}
