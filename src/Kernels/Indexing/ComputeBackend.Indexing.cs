// PruneVid.NET — Indexing: the validated entries of the row moves, embedding lookup and argmax.
namespace PruneVid.Compute;

public abstract partial class ComputeBackend
{
    /// <summary>
    /// dst[i, :] = src[indices[i], :] (rows of any length; I32 indices). Indices are data and not checked: on every
    /// backend an out-of-range index reads the clamped row (<see cref="Kernels.Rows"/>, the index policy).
    /// </summary>
    public void GatherRows(Tensor source, Tensor indices, Tensor destination)
    {
        const string op = "GatherRows";
        CheckRowMove(source, indices, destination, op);
        if (destination.Rows != indices.Length) throw new ArgumentException($"{op}: {destination} needs one index per row, got {indices.Length}", nameof(indices));
        if (indices.Length == 0 || source.RowLength == 0) return;
        if (source.Rows == 0) throw new ArgumentException($"{op}: cannot gather from the empty {source}", nameof(source));
        using OpTimer timer = Time(op);
        GatherRowsCore(source, indices, destination);
    }

    /// <summary>
    /// dst[indices[i], :] = src[i, :] (the inverse of <see cref="GatherRows"/>). On every backend a row whose index is
    /// out of range is skipped.
    /// </summary>
    public void ScatterRows(Tensor source, Tensor indices, Tensor destination)
    {
        const string op = "ScatterRows";
        CheckRowMove(source, indices, destination, op);
        if (source.Rows != indices.Length) throw new ArgumentException($"{op}: {source} needs one index per row, got {indices.Length}", nameof(indices));
        if (indices.Length == 0 || source.RowLength == 0) return;
        using OpTimer timer = Time(op);
        ScatterRowsCore(source, indices, destination);
    }

    /// <summary>
    /// y[i, :] = f32(table[ids[i], :]); the table is BF16, F32 or packed (Int4/Int8, rows dequantized), ids are I32. On
    /// every backend an id outside the table reads the clamped row (the model checks the ids it is given on the host
    /// before uploading them).
    /// </summary>
    public void Embedding(Tensor table, Tensor ids, Tensor y)
    {
        const string op = "Embedding";
        if (table.DType.IsQuantized()) Own(table, op, nameof(table));
        else RequireWeight(table, op, nameof(table));
        Require(ids, DType.I32, op, nameof(ids));
        Require(y, DType.F32, op, nameof(y));
        int width = table.RowLength;
        if (y.Length != ids.Length * width) throw new ArgumentException($"{op}: y {y} should be [{ids.Length},{width}]", nameof(y));
        if (ids.Length == 0 || width == 0) return;
        if (table.Rows == 0) throw new ArgumentException($"{op}: the table {table} is empty", nameof(table));
        using OpTimer timer = Time(op);
        if (table.DType.IsQuantized()) QuantizedEmbeddingCore(table, ids, y);
        else EmbeddingCore(table, ids, y, width);
    }

    /// <summary>result[i] = argmax of row i of x (first maximum on ties), as I32.</summary>
    public void ArgMax(Tensor x, Tensor result)
    {
        const string op = "ArgMax";
        Require(x, DType.F32, op, nameof(x));
        Require(result, DType.I32, op, nameof(result));
        if (result.Length != x.Rows) throw new ArgumentException($"{op}: result {result} needs {x.Rows} elements", nameof(result));
        if (x.Rows == 0) return;
        if (x.RowLength == 0) throw new ArgumentException($"{op}: rows of {x} are empty", nameof(x));
        using OpTimer timer = Time(op);
        ArgMaxCore(x, result);
    }

    /// <summary>dst[i] = src[indices[i]] (dtypes and counts checked, non-empty).</summary>
    private protected abstract void GatherRowsCore(Tensor source, Tensor indices, Tensor destination);

    /// <summary>dst[indices[i]] = src[i] (dtypes and counts checked, non-empty).</summary>
    private protected abstract void ScatterRowsCore(Tensor source, Tensor indices, Tensor destination);

    /// <summary>y[i] = table[ids[i]] as f32 (shapes checked, non-empty). Ids are data: every backend clamps them (<see cref="Kernels.Embedding"/>).</summary>
    private protected abstract void EmbeddingCore(Tensor table, Tensor ids, Tensor y, int width);

    /// <summary>Row-wise argmax (shapes checked, rows non-empty).</summary>
    private protected abstract void ArgMaxCore(Tensor x, Tensor result);

    private void CheckRowMove(Tensor source, Tensor indices, Tensor destination, string op)
    {
        Own(source, op, nameof(source));
        Require(indices, DType.I32, op, nameof(indices));
        Own(destination, op, nameof(destination));
        if (source.DType != destination.DType || source.RowLength != destination.RowLength)
            throw new ArgumentException($"{op}: rows of {source} and {destination} differ in dtype or length", nameof(destination));
    }
}
