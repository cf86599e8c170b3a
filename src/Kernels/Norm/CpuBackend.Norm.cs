// PruneVid.NET — Norm: the Cpu core of RmsNorm (CpuRmsNorm; the reference without Vector512).
using PruneVid.Compute;

namespace PruneVid.Kernels.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    /// <remarks><see cref="CpuRmsNorm"/>; without hardware Vector512 the reference.</remarks>
    private protected override unsafe void RmsNormCore(Tensor x, Tensor weight, float eps, Tensor y, int dim)
    {
        CpuTensor tx = (CpuTensor)x, tw = (CpuTensor)weight, ty = (CpuTensor)y;
        if (!CpuRmsNorm.IsSupported)
        {
            if (tw.DType == DType.BF16) Kernels.RmsNorm.Reference(tx.F32, tw.Bf16, ty.F32, dim, eps);
            else Kernels.RmsNorm.ReferenceF32Weight(tx.F32, tw.F32, ty.F32, dim, eps);
            return;
        }
        fixed (float* px = tx.F32) fixed (float* py = ty.F32)
        fixed (ushort* pw16 = tw.DType == DType.BF16 ? tw.Bf16 : default) fixed (float* pw32 = tw.DType == DType.F32 ? tw.F32 : default)
        {
            var w = new CpuWeights(tw.DType == DType.BF16 ? pw16 : pw32, tw.DType, 1, dim);
            CpuRmsNorm.Run(px, w, py, (int)(tx.Length / dim), dim, eps);
        }
    }
}
