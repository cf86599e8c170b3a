// PruneVid.NET — kernels: which attention variant a call takes (the same rule on every backend).
namespace PruneVid.Kernels;

public static partial class Attention
{
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
