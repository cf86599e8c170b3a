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
    protected override unsafe void MatMulCore(Tensor x, Tensor w, Tensor? bias, Tensor y, int m, int n, int k, bool accumulate)
    {
        CpuTensor tx = (CpuTensor)x, tw = (CpuTensor)w, ty = (CpuTensor)y;
        var tb = (CpuTensor?)bias;
        if (!CpuGemm.IsSupported)
        {
            if (tw.DType == DType.BF16 && accumulate) Kernels.MatMul.ReferenceAccumulate(tx.F32, tw.Bf16, tb is null ? default : tb.Bf16, ty.F32, m, n, k);
            else if (tw.DType == DType.BF16) Kernels.MatMul.Reference(tx.F32, tw.Bf16, tb is null ? default : tb.Bf16, ty.F32, m, n, k);
            else if (accumulate) Kernels.MatMul.ReferenceAccumulate(tx.F32, tw.F32, tb is null ? default : tb.F32, ty.F32, m, n, k);
            else Kernels.MatMul.Reference(tx.F32, tw.F32, tb is null ? default : tb.F32, ty.F32, m, n, k);
            return;
        }
        // An f32 bias is read in place; a bf16 one is widened once into this thread's reused buffer.
        ReadOnlySpan<float> biasF32 = tb is null ? default : tb.DType == DType.F32 ? tb.F32 : WidenedBias(tb.Bf16);
        fixed (float* px = tx.F32) fixed (float* py = ty.F32) fixed (float* pb = biasF32)
        fixed (ushort* pw16 = tw.DType == DType.BF16 ? tw.Bf16 : default) fixed (float* pw32 = tw.DType == DType.F32 ? tw.F32 : default)
        {
            var weights = new CpuWeights(tw.DType == DType.BF16 ? pw16 : pw32, tw.DType, n, k);
            if (Kernels.MatMul.Plan(m) == MatMulKernel.Gemv) CpuGemv.Run(px, weights, pb, py, m, accumulate);
            else CpuGemm.Run(px, weights, pb, py, m, accumulate);
        }
    }

    [ThreadStatic] private static float[]? t_bias;

    private static ReadOnlySpan<float> WidenedBias(ReadOnlySpan<ushort> words)
    {
        float[] buffer = t_bias is { } b && b.Length >= words.Length ? b : t_bias = new float[words.Length];
        Span<float> bias = buffer.AsSpan(0, words.Length);
        Bf16Convert.Reference(words, bias);
        return bias;
    }

    /// <inheritdoc />
    /// <remarks><see cref="CpuRmsNorm"/>; without hardware Vector512 the reference.</remarks>
    protected override unsafe void RmsNormCore(Tensor x, Tensor weight, float eps, Tensor y, int dim)
    {
        CpuTensor tx = (CpuTensor)x, tw = (CpuTensor)weight, ty = (CpuTensor)y;
        if (!CpuActivations.IsSupported)
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

    /// <inheritdoc />
    /// <remarks><see cref="CpuActivations.SiluMul"/>; without hardware Vector512 the reference.</remarks>
    protected override unsafe void SiluMulCore(Tensor gate, Tensor up, Tensor y, int count)
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
    protected override unsafe void GeluCore(Tensor x, Tensor y, int count)
    {
        CpuTensor tx = (CpuTensor)x, ty = (CpuTensor)y;
        if (!CpuActivations.IsSupported)
        {
            Kernels.Gelu.Reference(tx.F32, ty.F32);
            return;
        }
        fixed (float* px = tx.F32) fixed (float* py = ty.F32) CpuActivations.Gelu(px, py, count);
    }

    /// <inheritdoc />
    /// <remarks><see cref="CpuRotary.Rotary"/> (bit-identical to the reference); without hardware Vector512 the reference.</remarks>
    protected override unsafe void RotaryCore(Tensor x, int heads, int headDim, Tensor cos, Tensor sin)
    {
        CpuTensor tx = (CpuTensor)x, tc = (CpuTensor)cos, ts = (CpuTensor)sin;
        if (!CpuActivations.IsSupported)
        {
            Kernels.Rotary.Reference(tx.F32, heads, headDim, tc.F32, ts.F32);
            return;
        }
        fixed (float* px = tx.F32) fixed (float* pc = tc.F32) fixed (float* ps = ts.F32)
            CpuRotary.Rotary(px, (int)(tx.Length / ((long)heads * headDim)), heads, headDim, pc, ps);
    }

    /// <inheritdoc />
    /// <remarks><see cref="CpuRotary.MRope"/> (bit-identical to the reference); without hardware Vector512 the reference.</remarks>
    protected override unsafe void MRopeCore(Tensor x, int heads, int headDim, Tensor positions, Tensor cosTable, Tensor sinTable, ReadOnlySpan<int> mropeSection)
    {
        CpuTensor tx = (CpuTensor)x, tp = (CpuTensor)positions, tc = (CpuTensor)cosTable, ts = (CpuTensor)sinTable;
        if (!CpuActivations.IsSupported)
        {
            Kernels.MRope.Reference(tx.F32, heads, headDim, tp.I32, tc.F32, ts.F32, mropeSection);
            return;
        }
        int half = headDim / 2;
        fixed (float* px = tx.F32) fixed (float* pc = tc.F32) fixed (float* ps = ts.F32)
            CpuRotary.MRope(px, (int)(tx.Length / ((long)heads * headDim)), heads, headDim, tp.I32, pc, ps, (int)(tc.Length / half), mropeSection);
    }

    /// <inheritdoc />
    /// <remarks>The blocked <see cref="CpuAttention"/> for head widths it supports, the reference otherwise.</remarks>
    protected override unsafe void AttentionCore(Tensor q, Tensor k, Tensor v, Tensor output, AttentionShape shape,
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
