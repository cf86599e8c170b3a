// PruneVid.NET — ILGPU backend: M-RoPE.
using PruneVid.Compute;

namespace PruneVid.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc cref="IComputeBackend.MRope"/>
    public void MRope(Tensor x, int heads, int headDim, Tensor positions, Tensor cosTable, Tensor sinTable, ReadOnlySpan<int> mropeSection) =>
        throw new NotSupportedException("MRope has no ILGPU kernel yet");
}
