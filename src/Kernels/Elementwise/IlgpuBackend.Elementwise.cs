// PruneVid.NET — ILGPU backend: elementwise add.
using PruneVid.Compute;

namespace PruneVid.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc />
    private protected override void AddCore(Tensor a, Tensor b, Tensor y, int count)
        => Kernels.Add.LaunchElementwise(Runtime, count, ((IlgpuTensor)a).RawF32, ((IlgpuTensor)b).RawF32, ((IlgpuTensor)y).RawF32);
}
