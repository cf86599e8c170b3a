// PruneVid.NET — Attention signals: the ILGPU cores of the token scores reducers read from attention.
using PruneVid.Compute;

namespace PruneVid.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    internal override void AttentionScoresCore(Tensor q, Tensor k, AttentionScoreParams p, Tensor scores)
    {
        IlgpuTensor tq = (IlgpuTensor)q, tk = (IlgpuTensor)k, ts = (IlgpuTensor)scores;
        int items = checked(p.Heads * p.RowCount);
        using Tensor stats = Allocate(DType.F32, Math.Max(1, 2 * items));
        IlgpuTensor tstats = (IlgpuTensor)stats;
        Kernels.AttentionScores.LaunchRowStats(Runtime, items, tq.RawF32, tk.RawF32, tstats.RawF32, p);
        Kernels.AttentionScores.LaunchColumns(Runtime, p.ColumnCount, tq.RawF32, tk.RawF32, tstats.RawF32, ts.RawF32, p);
        // The statistics buffer is freed on return: wait for the queued launches that read it.
        Synchronize();
    }

    internal override void FrameSaliencyCore(Tensor q, Tensor k, AttentionShape shape, ReadOnlySpan<int> cuSeqLens, int mergeUnit,
        int units, Tensor saliency)
    {
        IlgpuTensor tq = (IlgpuTensor)q, tk = (IlgpuTensor)k, ts = (IlgpuTensor)saliency;
        int segments = cuSeqLens.Length - 1;
        var unitSegment = new int[units];
        var cuUnits = new int[segments + 1];
        for (int s = 0; s < segments; s++)
        {
            cuUnits[s + 1] = cuSeqLens[s + 1] / mergeUnit;
            unitSegment.AsSpan(cuUnits[s], cuUnits[s + 1] - cuUnits[s]).Fill(s);
        }
        using Tensor cu = FromI32(cuSeqLens, cuSeqLens.Length), unitSeg = FromI32(unitSegment, units), cuU = FromI32(cuUnits, cuUnits.Length);
        using Tensor qMean = Allocate(DType.F32, segments * shape.Heads * shape.HeadDim), logits = Allocate(DType.F32, units * shape.Heads);
        var (rq, rl) = (((IlgpuTensor)qMean).RawF32, ((IlgpuTensor)logits).RawF32);
        AttentionSaliency.LaunchQueryMean(Runtime, segments * shape.Heads * shape.HeadDim, tq.RawF32, ((IlgpuTensor)cu).RawI32, rq, shape.Heads, shape.HeadDim);
        AttentionSaliency.LaunchLogit(Runtime, units * shape.Heads, tk.RawF32, rq, ((IlgpuTensor)unitSeg).RawI32, rl, shape.Heads, shape.HeadDim, mergeUnit, shape.Scale);
        AttentionSaliency.LaunchSoftmax(Runtime, units, rl, ((IlgpuTensor)unitSeg).RawI32, ((IlgpuTensor)cuU).RawI32, ts.RawF32, shape.Heads);
        Synchronize(); // the temporaries are released on return
    }

    internal override void AttentionColumnSumsCore(Tensor q, Tensor k, AttentionShape shape, ReadOnlySpan<int> cuSeqLens, int rows, Tensor sums)
    {
        IlgpuTensor tq = (IlgpuTensor)q, tk = (IlgpuTensor)k, ts = (IlgpuTensor)sums;
        var rowSegment = new int[rows];
        for (int s = 0; s + 1 < cuSeqLens.Length; s++) rowSegment.AsSpan(cuSeqLens[s], cuSeqLens[s + 1] - cuSeqLens[s]).Fill(s);
        using Tensor cu = FromI32(cuSeqLens, cuSeqLens.Length), rowSeg = FromI32(rowSegment, rows), lse = Allocate(DType.F32, rows * shape.Heads);
        var (rc, rs, rl) = (((IlgpuTensor)cu).RawI32, ((IlgpuTensor)rowSeg).RawI32, ((IlgpuTensor)lse).RawF32);
        Kernels.AttentionColumnSums.LaunchRowLogSumExp(Runtime, rows * shape.Heads, tq.RawF32, tk.RawF32, rs, rc, rl, shape.Heads, shape.HeadDim, shape.Scale);
        Kernels.AttentionColumnSums.LaunchColumn(Runtime, rows, tq.RawF32, tk.RawF32, rl, rs, rc, ts.RawF32, shape.Heads, shape.HeadDim, shape.Scale);
        Synchronize(); // the temporaries are released on return
    }
}
