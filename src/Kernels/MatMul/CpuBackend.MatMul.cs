// PruneVid.NET — MatMul: the Cpu cores of MatMul and Project (CpuGemv for decode rows, CpuGemm above; the reference without Vector512).
using PruneVid.Compute;

namespace PruneVid.Kernels.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    /// <remarks>
    /// <see cref="Kernels.MatMul.Plan"/> chooses <see cref="CpuGemv"/> (decode) or <see cref="CpuGemm"/> (blocked);
    /// without hardware Vector512 the reference runs.
    /// </remarks>
    private protected override unsafe void MatMulCore(Tensor x, Tensor w, Tensor? bias, Tensor y, int m, int n, int k, bool accumulate)
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
    /// <remarks>
    /// Decode rows (<see cref="Kernels.MatMul.Plan"/> chooses the GEMV): one <see cref="CpuGemv"/> pass over the rows of
    /// every projection, so x is split once and the cores are woken once for q, k and v (or gate and up). Larger M:
    /// one blocked multiply per projection, which already streams its weights once.
    /// </remarks>
    private protected override unsafe void ProjectCore(Tensor x, ReadOnlySpan<Projection> projections, int m, int k)
    {
        if (!CpuGemm.IsSupported || Kernels.MatMul.Plan(m) != MatMulKernel.Gemv)
        {
            foreach (Projection p in projections)
                if (p.Weight.Rows > 0) MatMulCore(x, p.Weight, p.Bias, p.Output, m, p.Weight.Rows, k, accumulate: false);
            return;
        }
        // bf16 biases are widened once into one reused buffer, each at its own offset.
        int biasValues = 0;
        foreach (Projection p in projections)
            if (p.Bias is { DType: DType.BF16 }) biasValues += p.Weight.Rows;
        float[] widened = biasValues == 0 ? [] : t_projectBias is { } b && b.Length >= biasValues ? b : t_projectBias = new float[biasValues];
        GemvTarget* targets = stackalloc GemvTarget[projections.Length];
        Pin((CpuTensor)x, projections, m, targets, 0, widened, 0);
    }

    [ThreadStatic] private static float[]? t_projectBias;

    /// <summary>Pins projection <paramref name="i"/>'s tensors, records its target, and recurses; the last level runs the pass.</summary>
    private static unsafe void Pin(CpuTensor x, ReadOnlySpan<Projection> projections, int m, GemvTarget* targets, int i, float[] widened, int widenedAt)
    {
        if (i == projections.Length)
        {
            fixed (float* px = x.F32) CpuGemv.Run(px, new ReadOnlySpan<GemvTarget>(targets, i), m);
            return;
        }
        Projection p = projections[i];
        CpuTensor tw = (CpuTensor)p.Weight, ty = (CpuTensor)p.Output;
        var tb = (CpuTensor?)p.Bias;
        int n = tw.Rows;
        Span<float> bias = default;
        if (tb is { DType: DType.F32 }) bias = tb.F32;
        else if (tb is not null)
        {
            bias = widened.AsSpan(widenedAt, n);
            Bf16Convert.Reference(tb.Bf16, bias);
            widenedAt += n;
        }
        fixed (float* py = ty.F32) fixed (float* pb = bias)
        fixed (ushort* pw16 = tw.DType == DType.BF16 ? tw.Bf16 : default) fixed (float* pw32 = tw.DType == DType.F32 ? tw.F32 : default)
        {
            targets[i] = new GemvTarget(new CpuWeights(tw.DType == DType.BF16 ? pw16 : pw32, tw.DType, n, tw.RowLength), tb is null ? null : pb, py);
            Pin(x, projections, m, targets, i + 1, widened, widenedAt);
        }
    }
}
