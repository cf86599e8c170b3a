// PruneVid.NET — owners and views: a reader can tell which tensors to dispose.
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Kernels.Tests.Accelerators;

namespace PruneVid.Kernels.Tests.Compute;

public sealed class TensorOwnershipTests(CpuAcceleratorFixture fixture) : IClassFixture<CpuAcceleratorFixture>
{
    public static TheoryData<string> Backends() => ["cpu", "ilgpu-cpu"];

    private ComputeBackend Create(string name) => name == "cpu" ? new CpuBackend() : new IlgpuBackend(fixture.Runtime);

    [Theory]
    [MemberData(nameof(Backends))]
    public void MadeTensorsOwnTheirStorageAndReshapesAndSlicesAreViews(string name)
    {
        using ComputeBackend b = Create(name);
        using Tensor allocated = b.Allocate(DType.F32, 4, 3), copied = b.FromI32([1, 2, 3], 3), words = b.FromBf16([1, 2], 2);
        Assert.False(allocated.IsView);
        Assert.False(copied.IsView);
        Assert.False(words.IsView);
        using Tensor reshaped = b.Reshape(allocated, 3, 4), sliced = b.SliceRows(allocated, 1, 2), sliceOfView = b.SliceRows(reshaped, 0, 1);
        Assert.True(reshaped.IsView);
        Assert.True(sliced.IsView);
        Assert.True(sliceOfView.IsView);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void DisposingAViewLeavesTheOwnersDataInPlace(string name)
    {
        using ComputeBackend b = Create(name);
        float[] data = [1, 2, 3, 4, 5, 6];
        using Tensor owner = b.FromF32(data, 3, 2);
        Tensor view = b.SliceRows(owner, 1, 2);
        b.CopyFromHost([7f, 8f, 9f, 10f], view); // writes through the view into the owner's rows 1 and 2
        view.Dispose();
        var host = new float[6];
        b.CopyToHost(owner, host);
        Assert.Equal([1f, 2f, 7f, 8f, 9f, 10f], host);
    }
}
