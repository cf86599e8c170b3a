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
