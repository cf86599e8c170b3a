// PruneVid.NET — Activation: the ILGPU cores of SiluMul and Gelu.
using PruneVid.Compute;

namespace PruneVid.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc />
    private protected override void SiluMulCore(Tensor gate, Tensor up, Tensor y, int count)
        => Kernels.SiluMul.Launch(Runtime, count, ((IlgpuTensor)gate).RawF32, ((IlgpuTensor)up).RawF32, ((IlgpuTensor)y).RawF32);

    /// <inheritdoc />
    private protected override void GeluCore(Tensor x, Tensor y, int count)
        => Kernels.Gelu.LaunchElementwise(Runtime, count, ((IlgpuTensor)x).RawF32, ((IlgpuTensor)y).RawF32);
}
