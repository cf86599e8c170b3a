// PruneVid.NET — ILGPU backend: attention over a bf16 KV cache.
using ILGPU;
using PruneVid.Compute;

namespace PruneVid.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    private Tensor? _widenedKeys, _widenedValues; // prefill over a bf16 cache: its rows widened to f32, grown by doubling

    /// <inheritdoc />
    /// <remarks>
    /// BF16 on CUDA (HF's bf16 inference keeps its cache in bf16, and decode reads half the bytes), unless the
    /// environment sets <c>PRUNEVID_KV_CACHE=f32</c> (parity runs); F32 on the CPU accelerator.
    /// </remarks>
    public override DType PreferredKvCacheDType
        => Runtime.IsCuda && !string.Equals(Environment.GetEnvironmentVariable("PRUNEVID_KV_CACHE"), "f32", StringComparison.OrdinalIgnoreCase)
            ? DType.BF16 : DType.F32;

    /// <inheritdoc />
    /// <remarks>
    /// A decode step (at most one query per segment) runs the split-key decode pair on the bf16 rows directly, at
    /// any cache length (half the bytes of an f32 cache, the whole point of the bf16 cache). Prefill widens the keys
    /// and values into f32 scratch and runs the f32 kernels: it is compute-bound, and the widening is exact.
    /// </remarks>
    private protected override void AttentionBf16KvCore(Tensor q, Tensor k, Tensor v, Tensor output, AttentionShape shape,
        ReadOnlySpan<int> cuSeqLensQ, ReadOnlySpan<int> cuSeqLensK, bool causal)
    {
        if (shape.HeadDim > Kernels.Attention.MaxHeadDim || !Kernels.Attention.UseDecodeSplit(cuSeqLensQ, cuSeqLensK, minKeys: 1))
        {
            // Widened into scratch kept across layers and calls: freeing a temporary would wait for the queued work.
            Tensor keys = Widened(ref _widenedKeys, k), values = Widened(ref _widenedValues, v);
            ConvertToF32(k, keys);
            ConvertToF32(v, values);
            AttentionCore(q, keys, values, output, shape, cuSeqLensQ, cuSeqLensK, causal);
            return;
        }
        int segments = cuSeqLensQ.Length;
        ArrayView<int> tables = UploadSegmentTables(cuSeqLensQ, cuSeqLensK, Kernels.Attention.QueryBlocks(cuSeqLensQ));
        ArrayView<int> cuQ = tables.SubView(0, segments), cuK = tables.SubView(segments, segments);
        var p = new AttentionParams(shape.Heads, shape.KvHeads, shape.HeadDim, shape.Scale, causal ? 1 : 0);
        int chunk = Kernels.Attention.MaxDecodeChunk, splits = (Kernels.Attention.LongestQueriedSegment(cuSeqLensQ, cuSeqLensK) + chunk - 1) / chunk;
        int items = checked((segments - 1) * shape.Heads);
        ArrayView<float> partial = DecodeScratch(checked((long)items * splits * Kernels.Attention.DecodePartialWidth(shape.HeadDim)));
        Kernels.Attention.LaunchDecodeSplitBf16(Runtime, checked(items * splits), ((IlgpuTensor)q).RawF32, ((IlgpuTensor)k).RawBf16,
            ((IlgpuTensor)v).RawBf16, partial, cuQ, cuK, p, chunk, splits, GroupSize(128));
        Kernels.Attention.LaunchDecodeCombine(Runtime, checked(items * shape.HeadDim), partial, ((IlgpuTensor)output).RawF32, cuQ, p, splits);
    }

    /// <summary>An F32 [rows, width] view over scratch holding at least <paramref name="source"/>'s elements.</summary>
    private Tensor Widened(ref Tensor? scratch, Tensor source)
    {
        if (scratch is null || scratch.Length < source.Length)
        {
            ReleaseAfterQueuedWork(scratch); // a queued launch may still read the old rows
            scratch = Allocate(DType.F32, checked((int)Math.Max(source.Length, 2 * (scratch?.Length ?? 0))));
        }
        return Reshape(SliceRows(scratch, 0, checked((int)source.Length)), source.Rows, source.RowLength);
    }

    /// <summary>Frees the widening scratch (called from <see cref="Dispose"/>).</summary>
    private void DisposeBf16KvScratch()
    {
        _widenedKeys?.Dispose();
        _widenedValues?.Dispose();
        _widenedKeys = _widenedValues = null;
    }
}
