// PruneVid.NET — kernel tests.
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Compute;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Kernels.Tests.Accelerators;

namespace PruneVid.Kernels.Tests.Indexing;

/// <summary>The group-per-row argmax kernel: exact (a comparison), so it must equal the reference.</summary>
public abstract class ArgMaxTests(AcceleratorFixture fixture)
{
    private KernelRuntime Runtime => fixture.Runtime;

    [AcceleratorTheory]
    [InlineData(4, 3)]     // shorter than any group
    [InlineData(3, 1000)]  // several elements per thread
    [InlineData(2, 4099)]
    public void MatchesReferenceForEveryGroupSize(int rows, int length)
    {
        float[] x = Numerics.Uniform(rows * length, rows * length);
        int[] expected = new int[rows];
        ArgMax.Reference(x, expected, length);
        using var xb = Runtime.Accelerator.Allocate1D(x);
        using var rb = Runtime.Accelerator.Allocate1D<int>(rows);
        foreach (int threads in KernelRegistry.Find("ArgMax.GroupRows")!.Tunables["threads"].Where(t => t <= Runtime.Accelerator.MaxNumThreadsPerGroup))
        {
            rb.MemSetToZero();
            ArgMax.LaunchGroupRows(Runtime, rows, xb.View, rb.View, length, threads);
            Assert.Equal(expected, rb.GetAsArray1D());
        }
    }

    [AcceleratorFact]
    public void TiesGoToTheFirstMaximum()
    {
        // Independent of the reference: the maximum 5 appears at 41, 81 and 900 (in different threads' slices).
        const int length = 1000;
        float[] x = new float[2 * length];
        x[41] = 5f; x[81] = 5f; x[900] = 5f;
        for (int i = 0; i < length; i++) x[length + i] = -1f; // an all-equal row: index 0
        using var backend = new IlgpuBackend(Runtime);
        using Tensor tx = backend.FromF32(x, 2, length), tr = backend.Allocate(DType.I32, 2);
        backend.ArgMax(tx, tr);
        int[] got = new int[2];
        backend.CopyToHost(tr, got);
        Assert.Equal([41, 0], got);
    }
}

/// <summary>ArgMax on ILGPU's CPU accelerator.</summary>
public sealed class ArgMaxTestsCpu(CpuAcceleratorFixture fixture) : ArgMaxTests(fixture), IClassFixture<CpuAcceleratorFixture>;

/// <summary>ArgMax on a CUDA GPU (discovered only where one exists).</summary>
[RequiresCuda]
public sealed class ArgMaxTestsCuda(CudaAcceleratorFixture fixture) : ArgMaxTests(fixture), IClassFixture<CudaAcceleratorFixture>;
