// PruneVid.NET — kernel tests.
using PruneVid.Compute;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Kernels.Tests.Accelerators;

namespace PruneVid.Kernels.Tests.Activation;

/// <summary>The exact-GELU kernel against its reference and against erf values computed independently.</summary>
public abstract class GeluTests(AcceleratorFixture fixture)
{
    [AcceleratorFact]
    public void MatchesReference()
    {
        float[] x = Numerics.Uniform(5, 1000, -6f, 6f);
        float[] expected = new float[x.Length];
        Kernels.Gelu.Reference(x, expected);
        // Same f32 formula; only exp may differ (ex2.approx on PTX).
        Numerics.AssertClose(expected, Run(x), 2e-6f, 1e-7f, "Gelu");
    }

    [AcceleratorFact]
    public void MatchesErfTable()
    {
        // GELU(x) = x·Φ(x); Φ(±1) = 0.841344746 / 0.158655254, Φ(2) = 0.977249868, Φ(−3) = 0.001349898 (normal CDF table).
        float[] x = [0f, 1f, -1f, 2f, -3f];
        float[] expected = [0f, 0.841344746f, -0.158655254f, 1.954499736f, -0.004049694f];
        Numerics.AssertClose(expected, Run(x), 1e-6f, 5e-7f, "Gelu table");
    }

    [AcceleratorFact]
    public void WritesInPlace()
    {
        using var backend = new IlgpuBackend(fixture.Runtime);
        float[] x = Numerics.Uniform(6, 64);
        using Tensor t = backend.FromF32(x, 4, 16);
        backend.Gelu(t, t);
        float[] got = new float[64], expected = new float[64];
        backend.CopyToHost(t, got);
        Kernels.Gelu.Reference(x, expected);
        Numerics.AssertClose(expected, got, 2e-6f, 1e-7f, "Gelu in place");
    }

    private float[] Run(float[] x)
    {
        using var backend = new IlgpuBackend(fixture.Runtime);
        using Tensor tx = backend.FromF32(x, x.Length), ty = backend.Allocate(DType.F32, x.Length);
        backend.Gelu(tx, ty);
        float[] result = new float[x.Length];
        backend.CopyToHost(ty, result);
        return result;
    }
}

/// <summary>GELU on ILGPU's CPU accelerator.</summary>
public sealed class GeluTestsCpu(CpuAcceleratorFixture fixture) : GeluTests(fixture), IClassFixture<CpuAcceleratorFixture>;

/// <summary>GELU on a CUDA GPU (discovered only where one exists).</summary>
[RequiresCuda]
public sealed class GeluTestsCuda(CudaAcceleratorFixture fixture) : GeluTests(fixture), IClassFixture<CudaAcceleratorFixture>;
