// PruneVid.NET — ILGPU backend.
using PruneVid.Compute;

namespace PruneVid.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc />
    protected override void SiluMulCore(Tensor gate, Tensor up, Tensor y, int count)
        => Kernels.SiluMul.Launch(Runtime, count, ((IlgpuTensor)gate).RawF32, ((IlgpuTensor)up).RawF32, ((IlgpuTensor)y).RawF32);
}
