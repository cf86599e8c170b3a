// PruneVid.NET — Attention: the Cpu core of segmented attention (CpuAttention; the reference for other head widths).
using PruneVid.Compute;

namespace PruneVid.Kernels.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    /// <remarks>The blocked <see cref="CpuAttention"/> for head widths it supports, the reference otherwise.</remarks>
    private protected override unsafe void AttentionCore(Tensor q, Tensor k, Tensor v, Tensor output, AttentionShape shape,
        ReadOnlySpan<int> cuSeqLensQ, ReadOnlySpan<int> cuSeqLensK, bool causal)
    {
        CpuTensor tq = (CpuTensor)q, tk = (CpuTensor)k, tv = (CpuTensor)v, to = (CpuTensor)output;
        if (!CpuAttention.Supports(shape.HeadDim))
        {
            Kernels.Attention.Reference(tq.F32, tk.F32, tv.F32, to.F32, shape, cuSeqLensQ, cuSeqLensK, causal);
            return;
        }
        fixed (float* pq = tq.F32) fixed (float* pk = tk.F32) fixed (float* pv = tv.F32) fixed (float* po = to.F32)
            CpuAttention.Run(pq, pk, pv, po, shape, cuSeqLensQ.ToArray(), cuSeqLensK.ToArray(), causal);
    }
}
