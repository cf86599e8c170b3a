// PruneVid.NET — kernels: which attention variant a call takes (the same rule on every backend).
namespace PruneVid.Kernels;

/// <summary>The attention kernels a backend may run.</summary>
public enum AttentionKernel
{
    /// <summary>The portable f32 kernel: 16 queries per group, scalar multiply-adds (prefill, short caches).</summary>
    Tiled,
    /// <summary>One query per segment over a long cache: keys split across groups, merged after (flash-decoding).</summary>
    DecodeSplit,
    /// <summary>FlashAttention-2 on tensor cores: bf16 Q, K, V and P, f32 softmax and accumulation (prefill, vision).</summary>
    Flash,
}

public static partial class Attention
{
    /// <summary>
    /// The kernel for one attention call: the split decode pair for one query per segment over at least
    /// <paramref name="decodeMinKeys"/> keys; flash attention where <paramref name="tensorCoresAvailable"/>, the head
    /// width is one it is compiled for (<see cref="FlashHeadDims"/>) and some segment has several queries (a prefill or
    /// the vision tower: a decode step's single query would fill 1 of an mma tile's 16 rows); else the tiled kernel.
    /// </summary>
    public static AttentionKernel Plan(ReadOnlySpan<int> cuQ, ReadOnlySpan<int> cuK, int headDim, int decodeMinKeys, bool tensorCoresAvailable)
    {
        if (UseDecodeSplit(cuQ, cuK, decodeMinKeys)) return AttentionKernel.DecodeSplit;
        return tensorCoresAvailable && FlashHeadDims.Contains(headDim) && LongestSegment(cuQ) > 1 ? AttentionKernel.Flash : AttentionKernel.Tiled;
    }

    /// <summary>
    /// True for a decode step over a long cache: every segment holds at most one query and some segment with a query at
    /// least <paramref name="minKeys"/> keys, so the keys are split into chunks that run in parallel and are merged after
    /// (flash-decoding) instead of one worker walking the whole cache.
    /// </summary>
    public static bool UseDecodeSplit(ReadOnlySpan<int> cuQ, ReadOnlySpan<int> cuK, int minKeys)
    {
        for (int s = 0; s + 1 < cuQ.Length; s++) if (cuQ[s + 1] - cuQ[s] > 1) return false;
        return LongestQueriedSegment(cuQ, cuK) >= minKeys; // key rows without a query (a pool's free rows) launch nothing
    }

    /// <summary>The longest segment of a cu_seqlens table.</summary>
    public static int LongestSegment(ReadOnlySpan<int> cu)
    {
        int longest = 0;
        for (int s = 0; s + 1 < cu.Length; s++) longest = Math.Max(longest, cu[s + 1] - cu[s]);
        return longest;
    }
}
