// PruneVid.NET — ILGPU backend: M-RoPE.
using PruneVid.Compute;

namespace PruneVid.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc />
    public void MRope(Tensor x, int heads, int headDim, Tensor positions, Tensor cosTable, Tensor sinTable, ReadOnlySpan<int> mropeSection)
    {
        IlgpuTensor tx = Own(x, nameof(x)), tp = Own(positions, nameof(positions)), tc = Own(cosTable, nameof(cosTable)), ts = Own(sinTable, nameof(sinTable));
        Kernels.MRope.StreamOfFrequency(mropeSection, headDim); // validates the split
        RequireF32(tx, nameof(x), "MRope");
        RequireF32(tc, nameof(cosTable), "MRope");
        RequireF32(ts, nameof(sinTable), "MRope");
        if (tp.DType != DType.I32) throw new ArgumentException($"MRope: positions must be I32, got {tp}", nameof(positions));
        if (heads <= 0 || tx.RowLength != heads * headDim) throw new ArgumentException($"MRope: {tx} rows are not {heads}×{headDim}", nameof(x));
        if (tp.Length != 3L * tx.Rows) throw new ArgumentException($"MRope: positions {tp} must be [3,{tx.Rows}]", nameof(positions));
        int half = headDim / 2;
        if (tc.Length != ts.Length || tc.Length % half != 0 || tc.Length == 0)
            throw new ArgumentException($"MRope: cos/sin tables {tc}, {ts} must both be [positions, {half}]", nameof(cosTable));
        long pairs = (long)tx.Rows * heads * half;
        if (pairs == 0) return;
        if (pairs > int.MaxValue) throw new ArgumentException($"MRope: {tx} has more than 2^31 rotated pairs", nameof(x));
        Kernels.MRope.LaunchPairs(Runtime, (int)pairs, tx.RawF32, tp.RawI32, tc.RawF32, ts.RawF32,
            tx.Rows, heads, headDim, mropeSection[0], mropeSection[0] + mropeSection[1]);
    }
}
