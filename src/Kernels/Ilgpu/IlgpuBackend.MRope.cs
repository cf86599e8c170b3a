// PruneVid.NET — ILGPU backend: M-RoPE.
using PruneVid.Compute;

namespace PruneVid.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc />
    protected override void MRopeCore(Tensor x, int heads, int headDim, Tensor positions, Tensor cosTable, Tensor sinTable, ReadOnlySpan<int> mropeSection)
    {
        IlgpuTensor tx = (IlgpuTensor)x;
        int pairs = (int)((long)tx.Rows * heads * (headDim / 2));
        Kernels.MRope.LaunchPairs(Runtime, pairs, tx.RawF32, ((IlgpuTensor)positions).RawI32, ((IlgpuTensor)cosTable).RawF32, ((IlgpuTensor)sinTable).RawF32,
            tx.Rows, heads, headDim, mropeSection[0], mropeSection[0] + mropeSection[1]);
    }
}
