// PruneVid.NET — ILGPU backend: fused attention over variable-length segments.
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Compute;

namespace PruneVid.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    // Device copy of the last segment tables, laid out [cuQ | cuK | query blocks]. Every layer of a forward pass
    // passes the same tables, so an unchanged table is not uploaded again; a table that differs in one entry (a decode
    // step's key count) is patched on the device instead of uploaded.
    private MemoryBuffer1D<int, Stride1D.Dense>? _segmentTables;
    private int[] _segmentTablesHost = [];

    /// <inheritdoc />
    /// <remarks>
    /// Head widths up to <see cref="Kernels.Attention.MaxHeadDim"/> (the kernels' shared memory). Prefill and short
    /// caches run the tiled kernel, or flash attention on tensor cores where <see cref="TensorCores"/> is on
    /// (<see cref="Kernels.Attention.Plan"/>); a step with at most one query per segment and at least
    /// <see cref="DecodeMinKeys"/> keys in some segment runs the split-key decode pair.
    /// </remarks>
    private protected override void AttentionCore(Tensor q, Tensor k, Tensor v, Tensor output, AttentionShape shape,
        ReadOnlySpan<int> cuSeqLensQ, ReadOnlySpan<int> cuSeqLensK, bool causal)
    {
        IlgpuTensor tq = (IlgpuTensor)q, tk = (IlgpuTensor)k, tv = (IlgpuTensor)v, to = (IlgpuTensor)output;
        if (shape.HeadDim > Kernels.Attention.MaxHeadDim)
            throw new NotSupportedException($"Attention: head dim {shape.HeadDim} exceeds the {Kernels.Attention.MaxHeadDim} the ILGPU kernel supports");

        AttentionKernel kernel = Kernels.Attention.Plan(cuSeqLensQ, cuSeqLensK, shape.HeadDim, DecodeMinKeys, TensorCores);
        if (kernel == AttentionKernel.Flash)
        {
            LaunchFlashAttention(tq, tk, tv, to, shape, cuSeqLensQ, cuSeqLensK, causal);
            return;
        }

        int[] blocks = Kernels.Attention.QueryBlocks(cuSeqLensQ);
        int queryBlocks = blocks.Length / 2;
        if (queryBlocks == 0) return;
        int segments = cuSeqLensQ.Length;
        ArrayView<int> tables = UploadSegmentTables(cuSeqLensQ, cuSeqLensK, blocks);
        ArrayView<int> cuQ = tables.SubView(0, segments), cuK = tables.SubView(segments, segments);
        var p = new AttentionParams(shape.Heads, shape.KvHeads, shape.HeadDim, shape.Scale, causal ? 1 : 0);

        int longest = Kernels.Attention.LongestQueriedSegment(cuSeqLensQ, cuSeqLensK);
        if (kernel == AttentionKernel.DecodeSplit)
        {
            // One query per segment over a long cache: split the keys so every SM gets work, then merge the chunks.
            int chunk = Kernels.Attention.MaxDecodeChunk, splits = (longest + chunk - 1) / chunk;
            int items = checked((segments - 1) * shape.Heads);
            ArrayView<float> partial = DecodeScratch(checked((long)items * splits * Kernels.Attention.DecodePartialWidth(shape.HeadDim)));
            Kernels.Attention.LaunchDecodeSplit(Runtime, checked(items * splits), tq.RawF32, tk.RawF32, tv.RawF32, partial, cuQ, cuK, p, chunk, splits, GroupSize(128));
            Kernels.Attention.LaunchDecodeCombine(Runtime, checked(items * shape.HeadDim), partial, to.RawF32, cuQ, p, splits);
            return;
        }
        Kernels.Attention.LaunchTiled(Runtime, checked(queryBlocks * shape.Heads), tq.RawF32, tk.RawF32, tv.RawF32, to.RawF32,
            cuQ, cuK, tables.SubView(2 * segments, blocks.Length), p, GroupSize(128));
    }

    /// <summary>
    /// Shortest cache for which a one-query step takes the split-key decode kernels: two chunks, so there is
    /// something to split. Shorter caches fit one tiled group's walk.
    /// </summary>
    internal const int DecodeMinKeys = 2 * Kernels.Attention.MaxDecodeChunk;

    /// <inheritdoc />
    public override int DecodeSplitMinKeys => DecodeMinKeys;

    private MemoryBuffer1D<float, Stride1D.Dense>? _decodeScratch;

    /// <summary>The decode kernels' partial results, grown on demand (a queued launch may still read the old buffer).</summary>
    private ArrayView<float> DecodeScratch(long length)
    {
        if (_decodeScratch is null || _decodeScratch.Length < length)
        {
            ReleaseAfterQueuedWork(_decodeScratch);
            // Doubling: a growing cache reallocates a logarithmic number of times, not every step.
            _decodeScratch = AllocateScratch<float>(Math.Max(length, Math.Max(1 << 16, 2 * (_decodeScratch?.Length ?? 0))));
        }
        return _decodeScratch.View.SubView(0, length);
    }

    private ArrayView<int> UploadSegmentTables(ReadOnlySpan<int> cuQ, ReadOnlySpan<int> cuK, int[] blocks)
    {
        if (DeviceSegmentTables is IlgpuTensor supplied) return supplied.RawI32; // the caller's upload already holds them
        var host = new int[cuQ.Length + cuK.Length + blocks.Length];
        cuQ.CopyTo(host);
        cuK.CopyTo(host.AsSpan(cuQ.Length));
        blocks.CopyTo(host.AsSpan(cuQ.Length + cuK.Length));
        if (_segmentTables is not null && host.Length == _segmentTablesHost.Length)
        {
            int changed = -1, differences = 0;
            for (int i = 0; i < host.Length; i++)
                if (host[i] != _segmentTablesHost[i]) { changed = i; differences++; }
            ArrayView<int> current = _segmentTables.View.SubView(0, host.Length);
            if (differences == 0) return current;
            if (differences == 1)
            {
                Kernels.Attention.LaunchSetTableEntry(Runtime, 1, current, changed, host[changed]);
                _segmentTablesHost = host;
                return current;
            }
        }
        if (_segmentTables is null || _segmentTables.Length < host.Length)
        {
            ReleaseAfterQueuedWork(_segmentTables); // a queued launch may still read the old table
            _segmentTables = AllocateScratch<int>(Math.Max(host.Length, 1024));
        }
        ArrayView1D<int, Stride1D.Dense> view = _segmentTables.View.SubView(0, host.Length);
        Upload(view, host);
        _segmentTablesHost = host;
        return view;
    }

    /// <summary>Frees the attention segment tables and decode scratch (called from <see cref="Dispose"/>).</summary>
    private void DisposeAttentionTables()
    {
        _segmentTables?.Dispose();
        _segmentTables = null;
        _decodeScratch?.Dispose();
        _decodeScratch = null;
    }
}
