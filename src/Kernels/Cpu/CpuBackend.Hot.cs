// PruneVid.NET — Cpu backend: the hot ops (arguments already validated).
using PruneVid.Compute;

namespace PruneVid.Kernels.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    protected override void MatMulCore(Tensor x, Tensor w, Tensor? bias, Tensor y, int m, int n, int k)
    {
        CpuTensor tx = (CpuTensor)x, tw = (CpuTensor)w, ty = (CpuTensor)y;
        var tb = (CpuTensor?)bias;
        if (tw.DType == DType.BF16)
            Kernels.MatMul.Reference(tx.F32, tw.Bf16, tb is null ? default : tb.Bf16, ty.F32, m, n, k);
        else
            Kernels.MatMul.Reference(tx.F32, tw.F32, tb is null ? default : tb.F32, ty.F32, m, n, k);
    }

    /// <inheritdoc />
    protected override void RmsNormCore(Tensor x, Tensor weight, float eps, Tensor y, int dim)
    {
        CpuTensor tx = (CpuTensor)x, tw = (CpuTensor)weight, ty = (CpuTensor)y;
        if (tw.DType == DType.BF16) Kernels.RmsNorm.Reference(tx.F32, tw.Bf16, ty.F32, dim, eps);
        else Kernels.RmsNorm.ReferenceF32Weight(tx.F32, tw.F32, ty.F32, dim, eps);
    }

    /// <inheritdoc />
    protected override void SiluMulCore(Tensor gate, Tensor up, Tensor y, int count)
        => Kernels.SiluMul.Reference(((CpuTensor)gate).F32, ((CpuTensor)up).F32, ((CpuTensor)y).F32);

    /// <inheritdoc />
    protected override void AttentionCore(Tensor q, Tensor k, Tensor v, Tensor output, AttentionShape shape,
        ReadOnlySpan<int> cuSeqLensQ, ReadOnlySpan<int> cuSeqLensK, bool causal)
        => Kernels.Attention.Reference(((CpuTensor)q).F32, ((CpuTensor)k).F32, ((CpuTensor)v).F32, ((CpuTensor)output).F32, shape, cuSeqLensQ, cuSeqLensK, causal);
}
