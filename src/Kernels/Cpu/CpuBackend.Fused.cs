// PruneVid.NET — Cpu backend: the fused ops (several projections of one input; M-RoPE on q and k).
using PruneVid.Compute;

namespace PruneVid.Kernels.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    /// <remarks>
    /// Decode rows (<see cref="Kernels.MatMul.Plan"/> chooses the GEMV): one <see cref="CpuGemv"/> pass over the rows of
    /// every projection, so x is split once and the cores are woken once for q, k and v (or gate and up). Larger M:
    /// one blocked multiply per projection, which already streams its weights once.
    /// </remarks>
    protected override unsafe void ProjectCore(Tensor x, ReadOnlySpan<Projection> projections, int m, int k)
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

    /// <inheritdoc />
    protected override void MRopeCore(Tensor q, int qHeads, Tensor k, int kHeads, int headDim, Tensor positions, Tensor cosTable, Tensor sinTable, ReadOnlySpan<int> mropeSection)
    {
        MRopeCore(q, qHeads, headDim, positions, cosTable, sinTable, mropeSection);
        MRopeCore(k, kHeads, headDim, positions, cosTable, sinTable, mropeSection);
    }
}
