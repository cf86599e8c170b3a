// PruneVid.NET — Indexing: the Cpu cores of the row moves, embedding lookup and argmax (the references).
using PruneVid.Compute;

namespace PruneVid.Kernels.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    private protected override void GatherRowsCore(Tensor source, Tensor indices, Tensor destination)
    {
        CpuTensor ts = (CpuTensor)source, ti = (CpuTensor)indices, td = (CpuTensor)destination;
        switch (ts.DType)
        {
            case DType.F32: Rows.GatherReference<float>(ts.F32, ti.I32, td.F32, ts.RowLength); break;
            case DType.BF16: Rows.GatherReference<ushort>(ts.Bf16, ti.I32, td.Bf16, ts.RowLength); break;
            default: Rows.GatherReference<int>(ts.I32, ti.I32, td.I32, ts.RowLength); break;
        }
    }

    /// <inheritdoc />
    private protected override void ScatterRowsCore(Tensor source, Tensor indices, Tensor destination)
    {
        CpuTensor ts = (CpuTensor)source, ti = (CpuTensor)indices, td = (CpuTensor)destination;
        switch (ts.DType)
        {
            case DType.F32: Rows.ScatterReference<float>(ts.F32, ti.I32, td.F32, ts.RowLength); break;
            case DType.BF16: Rows.ScatterReference<ushort>(ts.Bf16, ti.I32, td.Bf16, ts.RowLength); break;
            default: Rows.ScatterReference<int>(ts.I32, ti.I32, td.I32, ts.RowLength); break;
        }
    }

    /// <inheritdoc />
    /// <remarks>An id outside the table is clamped, as on every backend (see <see cref="Kernels.Embedding"/>).</remarks>
    private protected override void EmbeddingCore(Tensor table, Tensor ids, Tensor y, int width)
    {
        CpuTensor tt = (CpuTensor)table, ti = (CpuTensor)ids, ty = (CpuTensor)y;
        if (tt.DType == DType.BF16) Kernels.Embedding.Reference(tt.Bf16, ti.I32, ty.F32, width);
        else Kernels.Embedding.Reference(tt.F32, ti.I32, ty.F32, width);
    }

    /// <inheritdoc />
    private protected override void ArgMaxCore(Tensor x, Tensor result)
        => Kernels.ArgMax.Reference(((CpuTensor)x).F32, ((CpuTensor)result).I32, x.RowLength);
}
