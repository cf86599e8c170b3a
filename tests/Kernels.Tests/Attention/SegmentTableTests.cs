// PruneVid.NET — kernel tests: the one-entry patch of a device segment table.
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Kernels.Tests.Accelerators;

namespace PruneVid.Kernels.Tests.Attention;

/// <summary><see cref="Kernels.Attention.SetTableEntryKernel"/> against <see cref="Kernels.Attention.SetTableEntryReference"/>.</summary>
public abstract class SegmentTableTests(AcceleratorFixture fixture)
{
    [AcceleratorFact]
    public void PatchesOneEntryAndLeavesTheOthers()
    {
        int[] table = [0, 1, 0, 37, 0, 0, 5];
        int[] expected = [.. table];
        Kernels.Attention.SetTableEntryReference(expected, 3, 38);

        using var buffer = fixture.Runtime.Accelerator.Allocate1D(table);
        Kernels.Attention.LaunchSetTableEntry(fixture.Runtime, 1, buffer.View, 3, 38);
        Assert.Equal(expected, buffer.GetAsArray1D());
        Assert.Equal(38, expected[3]);
    }
}

/// <summary>The segment-table patch on ILGPU's CPU accelerator.</summary>
public sealed class SegmentTableTestsCpu(CpuAcceleratorFixture fixture) : SegmentTableTests(fixture), IClassFixture<CpuAcceleratorFixture>;

/// <summary>The segment-table patch on a CUDA GPU (discovered only where one exists).</summary>
[RequiresCuda]
public sealed class SegmentTableTestsCuda(CudaAcceleratorFixture fixture) : SegmentTableTests(fixture), IClassFixture<CudaAcceleratorFixture>;
