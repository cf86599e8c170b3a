// PruneVid.NET — ILGPU backend: row gather/scatter, embedding lookup, argmax.
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Compute;

namespace PruneVid.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc />
    /// <remarks>Indices stay on the device and are not checked: an out-of-range index is clamped (see <see cref="Rows"/>).</remarks>
    private protected override void GatherRowsCore(Tensor source, Tensor indices, Tensor destination)
    {
        IlgpuTensor ts = (IlgpuTensor)source, ti = (IlgpuTensor)indices, td = (IlgpuTensor)destination;
        int extent = Extent(td.Length, td, "GatherRows");
        if (ts.DType == DType.BF16)
            Kernels.Rows.LaunchGather16(Runtime, extent, ts.RawBf16, ti.RawI32, td.RawBf16, ts.RowLength);
        else
            Kernels.Rows.LaunchGather32(Runtime, extent, Words32(ts), ti.RawI32, Words32(td), ts.RowLength);
    }

    /// <inheritdoc />
    /// <remarks>Indices stay on the device and are not checked: an out-of-range index is skipped (see <see cref="Rows"/>).</remarks>
    private protected override void ScatterRowsCore(Tensor source, Tensor indices, Tensor destination)
    {
        IlgpuTensor ts = (IlgpuTensor)source, ti = (IlgpuTensor)indices, td = (IlgpuTensor)destination;
        int extent = Extent(ts.Length, ts, "ScatterRows");
        if (ts.DType == DType.BF16)
            Kernels.Rows.LaunchScatter16(Runtime, extent, ts.RawBf16, ti.RawI32, td.RawBf16, ts.RowLength);
        else
            Kernels.Rows.LaunchScatter32(Runtime, extent, Words32(ts), ti.RawI32, Words32(td), ts.RowLength);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Ids stay on the device and are not checked (that would cost a download per call): an id outside the
    /// vocabulary is clamped to the first or last row (see <see cref="Kernels.Embedding"/>).
    /// </remarks>
    private protected override void EmbeddingCore(Tensor table, Tensor ids, Tensor y, int width)
    {
        IlgpuTensor tt = (IlgpuTensor)table, ti = (IlgpuTensor)ids, ty = (IlgpuTensor)y;
        int extent = Extent(ty.Length, ty, "Embedding");
        if (tt.DType == DType.BF16) Kernels.Embedding.LaunchBf16(Runtime, extent, tt.RawBf16, ti.RawI32, ty.RawF32, width);
        else Kernels.Embedding.LaunchF32(Runtime, extent, tt.RawF32, ti.RawI32, ty.RawF32, width);
    }

    /// <inheritdoc />
    private protected override void ArgMaxCore(Tensor x, Tensor result)
    {
        IlgpuTensor tx = (IlgpuTensor)x, tr = (IlgpuTensor)result;
        Kernels.ArgMax.LaunchGroupRows(Runtime, tx.Rows, tx.RawF32, tr.RawI32, tx.RowLength, GroupSize(256));
    }

    /// <summary>F32 and I32 storage seen as 32-bit words (the row kernels only move bits).</summary>
    private static ArrayView<int> Words32(IlgpuTensor tensor)
        => tensor.DType == DType.I32 ? tensor.RawI32 : ((ArrayView<float>)tensor.RawF32).Cast<int>();
}
