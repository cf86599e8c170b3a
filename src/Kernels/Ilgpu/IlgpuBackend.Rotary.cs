// PruneVid.NET — ILGPU backend: rotate-half rotary embedding.
using PruneVid.Compute;

namespace PruneVid.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc />
    protected override void RotaryCore(Tensor x, int heads, int headDim, Tensor cos, Tensor sin)
    {
        IlgpuTensor tx = (IlgpuTensor)x;
        int pairs = Extent(tx.Length / 2, tx, "Rotary");
        Kernels.Rotary.LaunchHalfPairs(Runtime, pairs, tx.RawF32, ((IlgpuTensor)cos).RawF32, ((IlgpuTensor)sin).RawF32, heads, headDim);
    }
}
