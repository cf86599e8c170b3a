// PruneVid.NET — ILGPU backend: exact GELU.
using PruneVid.Compute;

namespace PruneVid.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc />
    protected override void GeluCore(Tensor x, Tensor y, int count)
        => Kernels.Gelu.LaunchElementwise(Runtime, count, ((IlgpuTensor)x).RawF32, ((IlgpuTensor)y).RawF32);
}
