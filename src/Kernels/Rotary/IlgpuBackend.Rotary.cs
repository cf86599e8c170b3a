// PruneVid.NET — Rotary: the ILGPU cores of Rotary and M-RoPE (one tensor, or q and k in one launch).
using PruneVid.Compute;

namespace PruneVid.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc />
    private protected override void RotaryCore(Tensor x, int heads, int headDim, Tensor cos, Tensor sin)
    {
        IlgpuTensor tx = (IlgpuTensor)x;
        int pairs = Extent(tx.Length / 2, tx, "Rotary");
        Kernels.Rotary.LaunchHalfPairs(Runtime, pairs, tx.RawF32, ((IlgpuTensor)cos).RawF32, ((IlgpuTensor)sin).RawF32, heads, headDim);
    }

    /// <inheritdoc />
    private protected override void MRopeCore(Tensor x, int heads, int headDim, Tensor positions, Tensor cosTable, Tensor sinTable, ReadOnlySpan<int> mropeSection)
    {
        IlgpuTensor tx = (IlgpuTensor)x;
        int pairs = (int)((long)tx.Rows * heads * (headDim / 2));
        Kernels.MRope.LaunchPairs(Runtime, pairs, tx.RawF32, ((IlgpuTensor)positions).RawI32, ((IlgpuTensor)cosTable).RawF32, ((IlgpuTensor)sinTable).RawF32,
            tx.Rows, heads, headDim, mropeSection[0], mropeSection[0] + mropeSection[1]);
    }

    /// <inheritdoc />
    private protected override void MRopeCore(Tensor q, int qHeads, Tensor k, int kHeads, int headDim, Tensor positions, Tensor cosTable, Tensor sinTable, ReadOnlySpan<int> mropeSection)
    {
        IlgpuTensor tq = (IlgpuTensor)q, tk = (IlgpuTensor)k;
        int pairs = (int)((long)tq.Rows * (qHeads + kHeads) * (headDim / 2));
        Kernels.MRope.LaunchQueryKeyPairs(Runtime, pairs, tq.RawF32, tk.RawF32, ((IlgpuTensor)positions).RawI32,
            ((IlgpuTensor)cosTable).RawF32, ((IlgpuTensor)sinTable).RawF32,
            tq.Rows, qHeads, kHeads, headDim, mropeSection[0], mropeSection[0] + mropeSection[1]);
    }
}
