// PruneVid.NET — ILGPU backend: clustering ops of PruneVid Stage 1, batched over groups.
using PruneVid.Compute;
using PruneVid.Kernels.Clustering;

namespace PruneVid.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    // Every op uploads its small table once and queues a fixed number of launches, whatever the number of row sets
    // or groups; nothing is downloaded and nothing waits (temporaries are freed after the queued work).

    /// <inheritdoc />
    internal override void RowMeansCore(Tensor x, ReadOnlySpan<int> rows, int outputs, Tensor y)
    {
        using Tensor table = FromI32(rows, rows.Length);
        Clustering.RowMeans.Launch(Runtime, outputs * x.RowLength, ((IlgpuTensor)x).RawF32, ((IlgpuTensor)table).RawI32, ((IlgpuTensor)y).RawF32, x.RowLength);
    }

    /// <inheritdoc />
    internal override void StaticMaskCore(Tensor x, ReadOnlySpan<int> rows, int outputs, double tau, Tensor mask)
    {
        using Tensor table = FromI32(rows, rows.Length);
        using var inverse = AllocateScratch<double>(Math.Max(1, x.Rows));
        var tx = ((IlgpuTensor)x).RawF32;
        Clustering.StaticMask.LaunchInverseNorms(Runtime, x.Rows, tx, inverse.View, x.RowLength);
        Clustering.StaticMask.Launch(Runtime, outputs, tx, inverse.View, ((IlgpuTensor)table).RawI32, ((IlgpuTensor)mask).RawI32, x.RowLength, tau);
    }

    /// <inheritdoc />
    internal override void DpcKnnMergeCore(Tensor points, DpcKnnGroups groups, Tensor means, Tensor assignment)
    {
        int c = points.RowLength, n = groups.Points, pointGroups = groups.Count * DpcKnnBatch.Columns;
        using Tensor table = FromI32(groups.DeviceTable(), pointGroups + n + groups.Rows);
        using Tensor distances = Allocate(DType.F32, Math.Max(1, groups.Distances)), density = Allocate(DType.F32, n),
            rowMax = Allocate(DType.F32, n), score = Allocate(DType.F32, n);
        var (tp, tt, td, tr, ts, ta) = (((IlgpuTensor)points).RawF32, ((IlgpuTensor)table).RawI32, ((IlgpuTensor)distances).RawF32,
            ((IlgpuTensor)rowMax).RawF32, ((IlgpuTensor)score).RawF32, ((IlgpuTensor)assignment).RawI32);
        var tdensity = ((IlgpuTensor)density).RawF32;
        DpcKnnBatch.LaunchDistance(Runtime, n * groups.Widest, tp, tt, td, pointGroups, groups.Widest, c, c == 0 ? 0f : 1f / MathF.Sqrt(c));
        DpcKnnBatch.LaunchDensity(Runtime, n, tt, td, tdensity, tr, pointGroups);
        DpcKnnBatch.LaunchScore(Runtime, n, tt, td, tdensity, tr, ts, pointGroups);
        DpcKnnBatch.LaunchCenter(Runtime, n, tt, ts, ta, pointGroups);
        DpcKnnBatch.LaunchNearest(Runtime, n, tt, td, ta, pointGroups, groups.Rows);
        DpcKnnBatch.LaunchMean(Runtime, groups.Rows * c, tp, tt, ta, ((IlgpuTensor)means).RawF32, pointGroups + n, groups.Rows, c);
    }
}
