// PruneVid.NET — ILGPU backend: row gather/scatter, embedding lookup, argmax.
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Compute;

namespace PruneVid.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc />
    /// <remarks>Indices stay on the device and are not checked: an out-of-range index is clamped (see <see cref="Rows"/>).</remarks>
    public void GatherRows(Tensor source, Tensor indices, Tensor destination)
    {
        IlgpuTensor ts = Own(source, nameof(source)), ti = Own(indices, nameof(indices)), td = Own(destination, nameof(destination));
        CheckRowMove(ts, ti, td, "GatherRows");
        if (td.Rows != ti.Length) throw new ArgumentException($"GatherRows: {td} needs one index per row, got {ti.Length}", nameof(indices));
        if (ti.Length == 0 || ts.RowLength == 0) return;
        if (ts.Rows == 0) throw new ArgumentException($"GatherRows: cannot gather from the empty {ts}", nameof(source));
        int extent = ElementCount(td, "GatherRows");
        if (ts.DType == DType.BF16)
            Kernels.Rows.LaunchGather16(Runtime, extent, ts.RawBf16, ti.RawI32, td.RawBf16, ts.RowLength);
        else
            Kernels.Rows.LaunchGather32(Runtime, extent, Words32(ts), ti.RawI32, Words32(td), ts.RowLength);
    }

    /// <inheritdoc />
    /// <remarks>Indices stay on the device and are not checked: an out-of-range index is skipped (see <see cref="Rows"/>).</remarks>
    public void ScatterRows(Tensor source, Tensor indices, Tensor destination)
    {
        IlgpuTensor ts = Own(source, nameof(source)), ti = Own(indices, nameof(indices)), td = Own(destination, nameof(destination));
        CheckRowMove(ts, ti, td, "ScatterRows");
        if (ts.Rows != ti.Length) throw new ArgumentException($"ScatterRows: {ts} needs one index per row, got {ti.Length}", nameof(indices));
        if (ti.Length == 0 || ts.RowLength == 0) return;
        int extent = ElementCount(ts, "ScatterRows");
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
    public void Embedding(Tensor table, Tensor ids, Tensor y)
    {
        IlgpuTensor tt = Own(table, nameof(table)), ti = Own(ids, nameof(ids)), ty = Own(y, nameof(y));
        if (ti.DType != DType.I32) throw new ArgumentException($"Embedding: ids must be I32, got {ti}", nameof(ids));
        RequireF32(ty, nameof(y), "Embedding");
        int width = tt.RowLength;
        if (ty.Length != ti.Length * width) throw new ArgumentException($"Embedding: y {ty} should be [{ti.Length},{width}]", nameof(y));
        if (ti.Length == 0 || width == 0) return;
        if (tt.Rows == 0) throw new ArgumentException($"Embedding: the table {tt} is empty", nameof(table));
        int extent = ElementCount(ty, "Embedding");
        switch (tt.DType)
        {
            case DType.BF16: Kernels.Embedding.LaunchBf16(Runtime, extent, tt.RawBf16, ti.RawI32, ty.RawF32, width); break;
            case DType.F32: Kernels.Embedding.LaunchF32(Runtime, extent, tt.RawF32, ti.RawI32, ty.RawF32, width); break;
            default: throw new ArgumentException($"Embedding: the table must be BF16 or F32, got {tt}", nameof(table));
        }
    }

    /// <inheritdoc />
    public void ArgMax(Tensor x, Tensor result)
    {
        IlgpuTensor tx = Own(x, nameof(x)), tr = Own(result, nameof(result));
        RequireF32(tx, nameof(x), "ArgMax");
        if (tr.DType != DType.I32) throw new ArgumentException($"ArgMax: result must be I32, got {tr}", nameof(result));
        if (tr.Length != tx.Rows) throw new ArgumentException($"ArgMax: result {tr} needs {tx.Rows} elements", nameof(result));
        if (tx.Rows == 0) return;
        if (tx.RowLength == 0) throw new ArgumentException($"ArgMax: rows of {tx} are empty", nameof(x));
        Kernels.ArgMax.LaunchGroupRows(Runtime, tx.Rows, tx.RawF32, tr.RawI32, tx.RowLength, GroupSize(256));
    }

    private static void CheckRowMove(IlgpuTensor source, IlgpuTensor indices, IlgpuTensor destination, string op)
    {
        if (indices.DType != DType.I32) throw new ArgumentException($"{op}: indices must be I32, got {indices}", nameof(indices));
        if (source.DType != destination.DType || source.RowLength != destination.RowLength)
            throw new ArgumentException($"{op}: rows of {source} and {destination} differ in dtype or length", nameof(destination));
    }

    /// <summary>F32 and I32 storage seen as 32-bit words (the row kernels only move bits).</summary>
    private static ArrayView<int> Words32(IlgpuTensor tensor)
        => tensor.DType == DType.I32 ? tensor.RawI32 : ((ArrayView<float>)tensor.RawF32).Cast<int>();
}
