// PruneVid.NET — kernels: argument checks shared by the attention-signal ops.
using PruneVid.Compute;

namespace PruneVid.Kernels;

/// <summary>The layout both attention-signal ops take: the vision tower's q and k, whole rows, segments that tile them.</summary>
internal static class AttentionSignalChecks
{
    /// <summary>Checks q, k and the segment table for <paramref name="op"/>; returns the row count.</summary>
    public static long Rows(string op, long qLength, long kLength, AttentionShape shape, ReadOnlySpan<int> cuSeqLens)
    {
        if (shape.Heads != shape.KvHeads) throw new ArgumentException($"{op}: the vision tower has as many kv heads as heads, got {shape.Heads}/{shape.KvHeads}");
        int stride = shape.Heads * shape.HeadDim;
        if (qLength % stride != 0 || kLength != qLength)
            throw new ArgumentException($"{op}: q ({qLength}) and k ({kLength}) must be the same whole rows of {shape.Heads}×{shape.HeadDim}");
        long rows = qLength / stride;
        if (cuSeqLens.Length < 1 || cuSeqLens[0] != 0 || cuSeqLens[^1] != rows)
            throw new ArgumentException($"{op}: segments must start at 0 and end at the {rows} rows of q");
        for (int s = 0; s + 1 < cuSeqLens.Length; s++)
            if (cuSeqLens[s + 1] < cuSeqLens[s]) throw new ArgumentException($"{op}: segments decrease at {s}");
        return rows;
    }
}
