// PruneVid.NET — kernels: in-place update of one entry of a device segment table.
using ILGPU;
using PruneVid.Kernels.Dsl;

namespace PruneVid.Kernels;

public static partial class Attention
{
    /// <summary>The plain reference: table[index] = value.</summary>
    public static void SetTableEntryReference(Span<int> table, int index, int value) => table[index] = value;

    /// <summary>
    /// Writes one entry of a segment table that already lives on the device. A decode step changes only the key
    /// count of its one segment; writing it with a launch keeps the step free of host→device copies
    /// (docs/compute-backends.md, "Decode budget"). Launch with an extent of 1.
    /// </summary>
    [Kernel(Reference = nameof(SetTableEntryReference))]
    public static void SetTableEntryKernel(Index1D i, ArrayView<int> table, int index, int value) => table[index] = value;
}

public static partial class Attention
{
    /// <summary>
    /// The device layout of a call's segment tables: cuQ, then cuK, then <see cref="QueryBlocks"/> of cuQ (what the
    /// tiled and decode kernels read).
    /// </summary>
    public static int[] SegmentTableLayout(ReadOnlySpan<int> cuQ, ReadOnlySpan<int> cuK)
    {
        int[] blocks = QueryBlocks(cuQ);
        var host = new int[cuQ.Length + cuK.Length + blocks.Length];
        cuQ.CopyTo(host);
        cuK.CopyTo(host.AsSpan(cuQ.Length));
        blocks.CopyTo(host.AsSpan(cuQ.Length + cuK.Length));
        return host;
    }

    /// <summary>Values of <see cref="SegmentTableLayout"/> for tables whose query table is <paramref name="cuQ"/>.</summary>
    public static int SegmentTableLength(ReadOnlySpan<int> cuQ)
    {
        int blocks = 0;
        for (int s = 0; s + 1 < cuQ.Length; s++) blocks += (cuQ[s + 1] - cuQ[s] + Block - 1) / Block;
        return 2 * cuQ.Length + 2 * blocks;
    }

    /// <summary>The longest key segment among those holding a query (segments without one launch no work).</summary>
    public static int LongestQueriedSegment(ReadOnlySpan<int> cuQ, ReadOnlySpan<int> cuK)
    {
        int longest = 0;
        for (int s = 0; s + 1 < cuQ.Length; s++)
            if (cuQ[s + 1] > cuQ[s]) longest = Math.Max(longest, cuK[s + 1] - cuK[s]);
        return longest;
    }
}
