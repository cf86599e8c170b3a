// PruneVid.NET — kernel tests.
using PruneVid.Compute;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Kernels.Tests.Accelerators;

namespace PruneVid.Kernels.Tests.Elementwise;

/// <summary>The elementwise add kernel: one f32 addition per element, so results are exact.</summary>
public abstract class AddTests(AcceleratorFixture fixture)
{
    [AcceleratorFact]
    public void AddsExactly()
    {
        using var backend = new IlgpuBackend(fixture.Runtime);
        float[] a = Numerics.Uniform(1, 999), b = Numerics.Uniform(2, 999);
        using Tensor ta = backend.FromF32(a, 27, 37), tb = backend.FromF32(b, 27, 37), ty = backend.Allocate(DType.F32, 27, 37);
        backend.Add(ta, tb, ty);
        float[] got = new float[a.Length];
        backend.CopyToHost(ty, got);
        Assert.Equal(a.Zip(b, (x, y) => x + y).ToArray(), got);
    }

    [AcceleratorFact]
    public void AccumulatesInPlaceLikeAResidual()
    {
        using var backend = new IlgpuBackend(fixture.Runtime);
        float[] a = Numerics.Uniform(3, 64), b = Numerics.Uniform(4, 64);
        using Tensor ta = backend.FromF32(a, 64), tb = backend.FromF32(b, 64);
        backend.Add(ta, tb, ta);
        float[] got = new float[64];
        backend.CopyToHost(ta, got);
        Assert.Equal(a.Zip(b, (x, y) => x + y).ToArray(), got);
    }

    [AcceleratorFact]
    public void RejectsLengthMismatch()
    {
        using var backend = new IlgpuBackend(fixture.Runtime);
        using Tensor a = backend.Allocate(DType.F32, 4), b = backend.Allocate(DType.F32, 5);
        Assert.Contains("Add", Assert.Throws<ArgumentException>(() => backend.Add(a, b, a)).Message);
    }
}

/// <summary>Add on ILGPU's CPU accelerator.</summary>
public sealed class AddTestsCpu(CpuAcceleratorFixture fixture) : AddTests(fixture), IClassFixture<CpuAcceleratorFixture>;

/// <summary>Add on a CUDA GPU (discovered only where one exists).</summary>
[RequiresCuda]
public sealed class AddTestsCuda(CudaAcceleratorFixture fixture) : AddTests(fixture), IClassFixture<CudaAcceleratorFixture>;
