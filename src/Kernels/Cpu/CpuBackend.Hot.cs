// PruneVid.NET — Cpu backend: the hot ops, on their fast SIMD implementations (arguments already validated).
using PruneVid.Compute;

namespace PruneVid.Kernels.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    /// <remarks>
    /// <see cref="Kernels.MatMul.Plan"/> chooses <see cref="CpuGemv"/> (decode) or <see cref="CpuGemm"/> (blocked);
    /// without hardware Vector512 the reference runs.
    /// </remarks>
    protected override unsafe void MatMulCore(Tensor x, Tensor w, Tensor? bias, Tensor y, int m, int n, int k)
    {
        CpuTensor tx = (CpuTensor)x, tw = (CpuTensor)w, ty = (CpuTensor)y;
        var tb = (CpuTensor?)bias;
        if (!CpuGemm.IsSupported)
        {
            if (tw.DType == DType.BF16) Kernels.MatMul.Reference(tx.F32, tw.Bf16, tb is null ? default : tb.Bf16, ty.F32, m, n, k);
            else Kernels.MatMul.Reference(tx.F32, tw.F32, tb is null ? default : tb.F32, ty.F32, m, n, k);
            return;
        }
        float[]? biasF32 = null;
        if (tb is not null)
        {
            biasF32 = new float[n];
            if (tb.DType == DType.BF16) Bf16Convert.Reference(tb.Bf16, biasF32);
            else tb.F32.CopyTo(biasF32);
        }
        fixed (float* px = tx.F32) fixed (float* py = ty.F32) fixed (float* pb = biasF32)
        fixed (ushort* pw16 = tw.DType == DType.BF16 ? tw.Bf16 : default) fixed (float* pw32 = tw.DType == DType.F32 ? tw.F32 : default)
        {
            var weights = new CpuWeights(tw.DType == DType.BF16 ? pw16 : pw32, tw.DType, n, k);
            if (Kernels.MatMul.Plan(m) == MatMulKernel.Gemv) CpuGemv.Run(px, weights, pb, py, m);
            else CpuGemm.Run(px, weights, pb, py, m);
        }
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
