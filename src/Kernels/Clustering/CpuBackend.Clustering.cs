// PruneVid.NET — Cpu backend: clustering ops of PruneVid Stage 1 (the plain references).
using PruneVid.Compute;
using PruneVid.Kernels.Clustering;

namespace PruneVid.Kernels.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    internal override void RowMeansCore(Tensor x, ReadOnlySpan<int> rows, int outputs, Tensor y) =>
        Clustering.RowMeans.Reference(((CpuTensor)x).F32, x.RowLength, rows, ((CpuTensor)y).F32);

    /// <inheritdoc />
    internal override void StaticMaskCore(Tensor x, ReadOnlySpan<int> rows, int outputs, double tau, Tensor mask) =>
        Clustering.StaticMask.Reference(((CpuTensor)x).F32, x.RowLength, rows, tau, ((CpuTensor)mask).I32);

    /// <inheritdoc />
    internal override void DpcKnnMergeCore(Tensor points, DpcKnnGroups groups, Tensor means, Tensor assignment) =>
        DpcKnnBatch.Reference(((CpuTensor)points).F32, points.RowLength, groups.Table, groups.Count, ((CpuTensor)means).F32, ((CpuTensor)assignment).I32);
}
