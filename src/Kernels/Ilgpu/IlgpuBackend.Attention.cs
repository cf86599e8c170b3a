// PruneVid.NET — ILGPU backend: fused attention over variable-length segments.
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Compute;

namespace PruneVid.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    // Device copy of the last segment tables, laid out [cuQ | cuK | query blocks]. Every layer of a forward pass
    // passes the same tables, so an unchanged table is not uploaded again.
    private MemoryBuffer1D<int, Stride1D.Dense>? _segmentTables;
    private int[] _segmentTablesHost = [];

    /// <inheritdoc />
    /// <remarks>Head widths up to <see cref="Kernels.Attention.MaxHeadDim"/> (the tiled kernel's shared memory).</remarks>
    public void Attention(Tensor q, Tensor k, Tensor v, Tensor output, AttentionShape shape,
        ReadOnlySpan<int> cuSeqLensQ, ReadOnlySpan<int> cuSeqLensK, bool causal)
    {
        IlgpuTensor tq = Own(q, nameof(q)), tk = Own(k, nameof(k)), tv = Own(v, nameof(v)), to = Own(output, nameof(output));
        RequireF32(tq, nameof(q), "Attention");
        RequireF32(tk, nameof(k), "Attention");
        RequireF32(tv, nameof(v), "Attention");
        RequireF32(to, nameof(output), "Attention");
        if (shape.Heads <= 0 || shape.KvHeads <= 0 || shape.HeadDim <= 0 || shape.Heads % shape.KvHeads != 0)
            throw new ArgumentException($"Attention: invalid head layout {shape} (heads must be a positive multiple of kvHeads)", nameof(shape));
        if (shape.HeadDim > Kernels.Attention.MaxHeadDim)
            throw new NotSupportedException($"Attention: head dim {shape.HeadDim} exceeds the {Kernels.Attention.MaxHeadDim} the ILGPU kernel supports");
        if (tq.RowLength != shape.Heads * shape.HeadDim) throw new ArgumentException($"Attention: rows of q {tq} are not {shape.Heads}×{shape.HeadDim}", nameof(q));
        if (tk.RowLength != shape.KvHeads * shape.HeadDim) throw new ArgumentException($"Attention: rows of k {tk} are not {shape.KvHeads}×{shape.HeadDim}", nameof(k));
        if (tv.Length != tk.Length) throw new ArgumentException($"Attention: v {tv} and k {tk} differ in length", nameof(v));
        if (to.Length != tq.Length) throw new ArgumentException($"Attention: output {to} and q {tq} differ in length", nameof(output));
        Kernels.Attention.ValidateSegments(cuSeqLensQ, cuSeqLensK, tq.Rows, tk.Rows, causal);

        int[] blocks = Kernels.Attention.QueryBlocks(cuSeqLensQ);
        int queryBlocks = blocks.Length / 2;
        if (queryBlocks == 0) return;
        int segments = cuSeqLensQ.Length;
        ArrayView<int> tables = UploadSegmentTables(cuSeqLensQ, cuSeqLensK, blocks);
        var p = new AttentionParams(shape.Heads, shape.KvHeads, shape.HeadDim, shape.Scale, causal ? 1 : 0);
        Kernels.Attention.LaunchTiled(Runtime, checked(queryBlocks * shape.Heads), tq.RawF32, tk.RawF32, tv.RawF32, to.RawF32,
            tables.SubView(0, segments), tables.SubView(segments, segments), tables.SubView(2 * segments, blocks.Length), p, GroupSize(128));
    }

    private ArrayView<int> UploadSegmentTables(ReadOnlySpan<int> cuQ, ReadOnlySpan<int> cuK, int[] blocks)
    {
        var host = new int[cuQ.Length + cuK.Length + blocks.Length];
        cuQ.CopyTo(host);
        cuK.CopyTo(host.AsSpan(cuQ.Length));
        blocks.CopyTo(host.AsSpan(cuQ.Length + cuK.Length));
        if (_segmentTables is not null && host.AsSpan().SequenceEqual(_segmentTablesHost))
            return _segmentTables.View.SubView(0, host.Length);
        if (_segmentTables is null || _segmentTables.Length < host.Length)
        {
            // The old table may still be read by a queued launch.
            Synchronize();
            _segmentTables?.Dispose();
            _segmentTables = Accelerator.Allocate1D<int>(Math.Max(host.Length, 1024));
        }
        ArrayView1D<int, Stride1D.Dense> view = _segmentTables.View.SubView(0, host.Length);
        view.CopyFromCPU(Stream, host);
        _segmentTablesHost = host;
        return view;
    }

    /// <summary>Frees the attention segment tables (called from <see cref="Dispose"/>).</summary>
    private void DisposeAttentionTables()
    {
        _segmentTables?.Dispose();
        _segmentTables = null;
    }
}
