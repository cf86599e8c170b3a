// PruneVid.NET — Activation: the Cpu cores of SiluMul and Gelu (CpuActivations; the references without Vector512).
using PruneVid.Compute;

namespace PruneVid.Kernels.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    /// <remarks><see cref="CpuActivations.SiluMul"/>; without hardware Vector512 the reference.</remarks>
    private protected override unsafe void SiluMulCore(Tensor gate, Tensor up, Tensor y, int count)
    {
        CpuTensor tg = (CpuTensor)gate, tu = (CpuTensor)up, ty = (CpuTensor)y;
        if (!CpuActivations.IsSupported)
        {
            Kernels.SiluMul.Reference(tg.F32, tu.F32, ty.F32);
            return;
        }
        fixed (float* pg = tg.F32) fixed (float* pu = tu.F32) fixed (float* py = ty.F32) CpuActivations.SiluMul(pg, pu, py, count);
    }

    /// <inheritdoc />
    /// <remarks><see cref="CpuActivations.Gelu"/>; without hardware Vector512 the reference.</remarks>
    private protected override unsafe void GeluCore(Tensor x, Tensor y, int count)
    {
        CpuTensor tx = (CpuTensor)x, ty = (CpuTensor)y;
        if (!CpuActivations.IsSupported)
        {
            Kernels.Gelu.Reference(tx.F32, ty.F32);
            return;
        }
        fixed (float* px = tx.F32) fixed (float* py = ty.F32) CpuActivations.Gelu(px, py, count);
    }
}
