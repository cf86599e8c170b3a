// PruneVid.NET — ILGPU backend: the fused ops (several projections of one input; M-RoPE on q and k).
using PruneVid.Compute;

namespace PruneVid.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc />
    protected override void ProjectCore(Tensor x, ReadOnlySpan<Projection> projections, int m, int k)
    {
        foreach (Projection p in projections)
            if (p.Weight.Rows > 0) MatMulCore(x, p.Weight, p.Bias, p.Output, m, p.Weight.Rows, k, accumulate: false);
    }

    /// <inheritdoc />
    protected override void MRopeCore(Tensor q, int qHeads, Tensor k, int kHeads, int headDim, Tensor positions, Tensor cosTable, Tensor sinTable, ReadOnlySpan<int> mropeSection)
    {
        MRopeCore(q, qHeads, headDim, positions, cosTable, sinTable, mropeSection);
        MRopeCore(k, kHeads, headDim, positions, cosTable, sinTable, mropeSection);
    }
}
