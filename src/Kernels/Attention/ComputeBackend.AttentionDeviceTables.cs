// PruneVid.NET — device layer: attention whose segment tables the caller already placed on the device.
namespace PruneVid.Compute;

public abstract partial class ComputeBackend
{
    /// <summary>
    /// <see cref="Attention(Tensor, Tensor, Tensor, Tensor, AttentionShape, ReadOnlySpan{int}, ReadOnlySpan{int}, bool)"/>
    /// with the segment tables already on the device: <paramref name="deviceTables"/> (I32) holds
    /// <see cref="PruneVid.Kernels.Attention.SegmentTableLayout"/> of the same tables, written by the caller (a batched
    /// decode step puts them in its one upload), so a backend whose kernels read their tables from device memory
    /// neither uploads nor patches its own. The host spans stay the tables that are checked and that host backends read.
    /// </summary>
    public void Attention(Tensor q, Tensor k, Tensor v, Tensor output, AttentionShape shape,
        ReadOnlySpan<int> cuSeqLensQ, ReadOnlySpan<int> cuSeqLensK, bool causal, Tensor deviceTables)
    {
        const string op = "Attention";
        Require(deviceTables, DType.I32, op, nameof(deviceTables));
        int expected = PruneVid.Kernels.Attention.SegmentTableLength(cuSeqLensQ);
        if (deviceTables.Length != expected)
            throw new ArgumentException($"{op}: the device segment tables {deviceTables} must hold {expected} values (cuQ, cuK and the query blocks)", nameof(deviceTables));
        DeviceSegmentTables = deviceTables;
        try
        {
            Attention(q, k, v, output, shape, cuSeqLensQ, cuSeqLensK, causal);
        }
        finally
        {
            DeviceSegmentTables = null;
        }
    }

    /// <summary>The caller's device copy of the current attention call's segment tables (null: the backend places them).</summary>
    private protected Tensor? DeviceSegmentTables { get; private set; }

    /// <summary>
    /// Shortest key segment for which a one-query segment takes another attention kernel than a shorter one (ILGPU's
    /// split-key decode pair); int.MaxValue where every length takes the same code. A decode step that attends for
    /// several sequences in one call keeps them all on one side, so every row is computed as it would be alone.
    /// </summary>
    public virtual int DecodeSplitMinKeys => int.MaxValue;
}
