// PruneVid.NET — kernel tests.
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Kernels.Tests.Accelerators;

namespace PruneVid.Kernels.Tests.Ilgpu;

/// <summary>The backends count what they did: allocations, transfers, launches and synchronisations.</summary>
public abstract class DeviceCountersTests(AcceleratorFixture fixture)
{
    [AcceleratorFact]
    public void EveryKindOfWorkIsCountedOnce()
    {
        using var backend = new IlgpuBackend(fixture.Runtime);
        CounterSnapshot start = backend.Counters.Snapshot();

        using Tensor x = backend.FromF32(Numerics.Uniform(1, 24), 4, 6);           // 1 allocation, 1 upload of 96 bytes
        using Tensor y = backend.Allocate(DType.F32, 4, 6);                          // 1 allocation (zero fill is a memset, not a launch)
        CounterSnapshot memory = backend.Counters.Snapshot() - start;
        Assert.Equal(2, memory.Allocations);
        Assert.Equal(2 * 24 * 4, memory.AllocatedBytes);
        Assert.Equal(1, memory.HostToDevice);
        Assert.Equal(96, memory.HostToDeviceBytes);

        CounterSnapshot beforeOps = backend.Counters.Snapshot();
        backend.Add(x, x, y);                                                        // one launch
        backend.CopyFromHost(new float[24], y);                                      // an upload into existing memory
        backend.Synchronize();
        var host = new float[24];
        backend.CopyToHost(y, host);                                                 // one download
        CounterSnapshot ops = backend.Counters.Snapshot() - beforeOps;
        Assert.Equal(new CounterSnapshot(0, 0, 1, 96, 1, 96, 1, 1), ops);
        Assert.Equal("allocations=0 d2h=1 h2d=1 launches=1 syncs=1 alloc_bytes=0 d2h_bytes=96 h2d_bytes=96", ops.ToString());
    }

    [AcceleratorFact]
    public void CopyFromHostNeedsTheExactLength()
    {
        using var backend = new IlgpuBackend(fixture.Runtime);
        using Tensor ids = backend.Allocate(DType.I32, 3);
        backend.CopyFromHost([4, 5, 6], ids);
        var back = new int[3];
        backend.CopyToHost(ids, back);
        Assert.Equal([4, 5, 6], back);
        var e = Assert.Throws<ArgumentException>(() => backend.CopyFromHost([1, 2], ids));
        Assert.Contains("CopyFromHost: 2 values given", e.Message);
        Assert.Throws<ArgumentException>(() => backend.CopyFromHost(new float[3], ids));
    }
}

/// <summary>Counters on ILGPU's CPU accelerator.</summary>
public sealed class DeviceCountersTestsCpu(CpuAcceleratorFixture fixture) : DeviceCountersTests(fixture), IClassFixture<CpuAcceleratorFixture>;

/// <summary>Counters on a CUDA GPU (discovered only where one exists).</summary>
[RequiresCuda]
public sealed class DeviceCountersTestsCuda(CudaAcceleratorFixture fixture) : DeviceCountersTests(fixture), IClassFixture<CudaAcceleratorFixture>;

/// <summary>The Cpu backend counts its tensor allocations and nothing else.</summary>
public sealed class CpuBackendCountersTests
{
    [Fact]
    public void CountsAllocationsOnly()
    {
        using var backend = new CpuBackend();
        CounterSnapshot start = backend.Counters.Snapshot();
        using Tensor x = backend.FromF32(new float[10], 10), y = backend.Allocate(DType.F32, 10);
        backend.Add(x, x, y);
        backend.CopyFromHost(new float[10], y);
        CounterSnapshot used = backend.Counters.Snapshot() - start;
        Assert.Equal(new CounterSnapshot(2, 80, 0, 0, 0, 0, 0, 0), used);
    }
}
