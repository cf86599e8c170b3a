// PruneVid.NET — kernel tests.
using PruneVid.Compute;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Kernels.Tests.Accelerators;

namespace PruneVid.Kernels.Tests.Rotary;

/// <summary>The rotate-half rotary kernel (through <see cref="IlgpuBackend.Rotary"/>) against its reference.</summary>
public abstract class RotaryTests(AcceleratorFixture fixture)
{
    // Two products and a sum per element, the same expression as the reference: equal up to fused rounding.
    private const float Rtol = 1e-6f, Atol = 1e-6f;

    [AcceleratorTheory]
    [InlineData(3, 2, 16)]
    [InlineData(2, 3, 64)]
    [InlineData(5, 2, 80)]
    [InlineData(1, 4, 128)]
    public void MatchesReference(int rows, int heads, int headDim)
    {
        float[] x = Numerics.Uniform(rows * 100 + headDim, rows * heads * headDim);
        float[] angles = Numerics.Uniform(headDim, rows * headDim, -4f, 4f);
        float[] cos = angles.Select(MathF.Cos).ToArray(), sin = angles.Select(MathF.Sin).ToArray();
        float[] expected = (float[])x.Clone();
        Kernels.Rotary.Reference(expected, heads, headDim, cos, sin);
        Numerics.AssertClose(expected, Run(x, heads, headDim, cos, sin), Rtol, Atol, $"Rotary rows={rows} heads={heads} d={headDim}");
    }

    [AcceleratorFact]
    public void QuarterTurnIsRotateHalf()
    {
        // Independent of the reference: cos = 0, sin = 1 gives x' = rotate_half(x) = concat(−x[d/2:], x[:d/2]).
        const int heads = 2, d = 8;
        float[] x = Numerics.Uniform(3, heads * d);
        float[] got = Run(x, heads, d, new float[d], Enumerable.Repeat(1f, d).ToArray());
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < d / 2; i++)
            {
                Assert.Equal(-x[h * d + i + d / 2], got[h * d + i]);
                Assert.Equal(x[h * d + i], got[h * d + i + d / 2]);
            }
    }

    [AcceleratorFact]
    public void RejectsOddHeadDimAndWrongTables()
    {
        using var backend = new IlgpuBackend(fixture.Runtime);
        using Tensor x = backend.Allocate(DType.F32, 2, 6), table = backend.Allocate(DType.F32, 2, 3);
        Assert.Throws<ArgumentException>(() => backend.Rotary(x, 2, 3, table, table));
        using Tensor shortTable = backend.Allocate(DType.F32, 1, 6);
        Assert.Throws<ArgumentException>(() => backend.Rotary(x, 1, 6, shortTable, shortTable));
    }

    private float[] Run(float[] x, int heads, int headDim, float[] cos, float[] sin)
    {
        using var backend = new IlgpuBackend(fixture.Runtime);
        int rows = x.Length / (heads * headDim);
        using Tensor tx = backend.FromF32(x, rows, heads * headDim), tc = backend.FromF32(cos, rows, headDim), ts = backend.FromF32(sin, rows, headDim);
        backend.Rotary(tx, heads, headDim, tc, ts);
        float[] result = new float[x.Length];
        backend.CopyToHost(tx, result);
        return result;
    }
}

/// <summary>Rotary on ILGPU's CPU accelerator.</summary>
public sealed class RotaryTestsCpu(CpuAcceleratorFixture fixture) : RotaryTests(fixture), IClassFixture<CpuAcceleratorFixture>;

/// <summary>Rotary on a CUDA GPU (discovered only where one exists).</summary>
[RequiresCuda]
public sealed class RotaryTestsCuda(CudaAcceleratorFixture fixture) : RotaryTests(fixture), IClassFixture<CudaAcceleratorFixture>;
