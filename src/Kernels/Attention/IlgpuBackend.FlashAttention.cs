// PruneVid.NET — ILGPU backend: the flash-attention launch (tensor cores).
using ILGPU;
using PruneVid.Compute;

namespace PruneVid.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <summary>Threads of a flash-attention group: 4 warps (64 query rows) where the accelerator allows, else 2.</summary>
    private int FlashThreads() => Accelerator.MaxNumThreadsPerGroup >= 128 ? 128 : 64;

    /// <summary>Flash attention (<see cref="Kernels.Attention.FlashKernel"/>) over the segments; the plan has checked the head width.</summary>
    private void LaunchFlashAttention(IlgpuTensor q, IlgpuTensor k, IlgpuTensor v, IlgpuTensor output, AttentionShape shape,
        ReadOnlySpan<int> cuSeqLensQ, ReadOnlySpan<int> cuSeqLensK, bool causal)
    {
        int threads = FlashThreads(), segments = cuSeqLensQ.Length;
        int[] blocks = Kernels.Attention.FlashBlocks(cuSeqLensQ, threads, shape.Heads / shape.KvHeads);
        ArrayView<int> tables = UploadSegmentTables(cuSeqLensQ, cuSeqLensK, blocks);
        var p = new AttentionParams(shape.Heads, shape.KvHeads, shape.HeadDim, shape.Scale, causal ? 1 : 0);
        Kernels.Attention.LaunchFlash(Runtime, Kernels.Attention.FlashGroups(blocks, shape.KvHeads), q.RawF32, k.RawF32, v.RawF32, output.RawF32,
            tables.SubView(0, segments), tables.SubView(segments, segments), tables.SubView(2 * segments, blocks.Length), p,
            threads, shape.HeadDim);
    }
}
