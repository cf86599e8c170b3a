// PruneVid.NET — kernel tests.
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Kernels.Tests.Accelerators;

namespace PruneVid.Kernels.Tests.Activation;

/// <summary>SiLU-gate kernel against its reference; run on every accelerator through the subclasses below.</summary>
public abstract class SiluMulTests(AcceleratorFixture fixture)
{
    // exp differs by a few ulp between TensorPrimitives, MathF and the GPU's ex2.approx.
    private const float Rtol = 1e-5f, Atol = 1e-6f;

    private KernelRuntime Runtime => fixture.Runtime;

    [AcceleratorTheory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(100)]
    [InlineData(1000)]
    [InlineData(4099)]
    public void MatchesReference(int length)
    {
        float[] gate = Numerics.Uniform(length, length, -12f, 12f), up = Numerics.Uniform(length + 1, length);
        float[] expected = new float[length];
        SiluMul.Reference(gate, up, expected);

        using var g = Runtime.Accelerator.Allocate1D(gate);
        using var u = Runtime.Accelerator.Allocate1D(up);
        using var y = Runtime.Accelerator.Allocate1D<float>(length);
        SiluMul.Launch(Runtime, length, g.View, u.View, y.View);
        Numerics.AssertClose(expected, y.GetAsArray1D(), Rtol, Atol, $"SiluMul n={length}");
    }

    [AcceleratorFact]
    public void LauncherChecksItsArguments()
    {
        using var g = Runtime.Accelerator.Allocate1D<float>(4);
        var negative = Assert.Throws<ArgumentException>(() => SiluMul.Launch(Runtime, -1, g.View, g.View, g.View));
        Assert.Equal("extent", negative.ParamName);
        Assert.Contains("SiluMul", negative.Message);
        var missing = Assert.Throws<ArgumentException>(() => SiluMul.Launch(Runtime, 4, g.View, default, g.View));
        Assert.Equal("up", missing.ParamName);
        Assert.Throws<ArgumentNullException>(() => SiluMul.Launch(null!, 4, g.View, g.View, g.View));
    }
}

/// <summary>The CPU reference of SiluMul, checked against the formula.</summary>
public sealed class SiluMulReferenceTests
{
    [Fact]
    public void ReferenceMatchesTheFormula()
    {
        // silu(0) = 0, silu(1) = 1/(1+e^-1) = 0.7310586, silu(-2) = -2/(1+e^2) = -0.23840584; times up.
        float[] y = new float[3];
        SiluMul.Reference([0f, 1f, -2f], [5f, 2f, -1f], y);
        Numerics.AssertClose([0f, 1.4621172f, 0.23840584f], y, 1e-6f, 0f, "silu formula");
    }

    [Fact]
    public void ReferenceMayWriteOverEitherInput()
    {
        float[] gate = Numerics.Uniform(51, 3000, -5f, 5f), up = Numerics.Uniform(52, 3000);
        float[] expected = new float[gate.Length];
        SiluMul.Reference(gate, up, expected);
        float[] overGate = (float[])gate.Clone(), overUp = (float[])up.Clone();
        SiluMul.Reference(overGate, up, overGate);
        SiluMul.Reference(gate, overUp, overUp);
        Assert.Equal(expected, overGate);
        Assert.Equal(expected, overUp);
    }
}

/// <summary>SiluMul on ILGPU's CPU accelerator.</summary>
public sealed class SiluMulTestsCpu(CpuAcceleratorFixture fixture) : SiluMulTests(fixture), IClassFixture<CpuAcceleratorFixture>;

/// <summary>SiluMul on a CUDA GPU (discovered only where one exists).</summary>
[RequiresCuda]
public sealed class SiluMulTestsCuda(CudaAcceleratorFixture fixture) : SiluMulTests(fixture), IClassFixture<CudaAcceleratorFixture>;
