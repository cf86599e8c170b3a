// PruneVid.NET — kernel tests.
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Compute;
using PruneVid.Kernels.Tests.Accelerators;

namespace PruneVid.Kernels.Tests.Norm;

/// <summary>RMSNorm kernels against their reference; run on every accelerator through the subclasses below.</summary>
public abstract class RmsNormTests(AcceleratorFixture fixture)
{
    // f32 sums in a different order (tree vs. SIMD lanes) and one rounding of 1/sqrt: a few ulp per element.
    private const float Rtol = 2e-6f, Atol = 1e-6f;

    private KernelRuntime Runtime => fixture.Runtime;

    public static TheoryData<int, int> Shapes()
    {
        var data = new TheoryData<int, int>();
        foreach (int rows in new[] { 1, 3, 7 })
            foreach (int dim in new[] { 16, 33, 64, 80, 100, 128 })
                data.Add(rows, dim);
        return data;
    }

    [AcceleratorTheory]
    [MemberData(nameof(Shapes))]
    public void RowsMatchesReference(int rows, int dim)
    {
        float[] x = Numerics.Uniform(rows * 1000 + dim, rows * dim);
        ushort[] w = Numerics.UniformBf16(dim, dim);
        float[] expected = new float[x.Length];
        RmsNorm.Reference(x, w, expected, dim, 1e-6f);

        foreach (int groupSize in GroupSizesThatFit())
        {
            using var xb = Runtime.Accelerator.Allocate1D(x);
            using var wb = Runtime.Accelerator.Allocate1D(w);
            using var yb = Runtime.Accelerator.Allocate1D<float>(x.Length);
            RmsNorm.LaunchRows(Runtime, rows, xb.View, wb.View, yb.View, dim, 1e-6f, groupSize);
            Numerics.AssertClose(expected, yb.GetAsArray1D(), Rtol, Atol, $"RmsNorm.Rows rows={rows} dim={dim} groupSize={groupSize}");
        }
    }

    [AcceleratorFact]
    public void RowsF32WeightMatchesReference()
    {
        const int rows = 5, dim = 80;
        float[] x = Numerics.Uniform(11, rows * dim);
        float[] w = Numerics.Uniform(12, dim, 0.5f, 1.5f);
        float[] expected = new float[x.Length];
        RmsNorm.ReferenceF32Weight(x, w, expected, dim, 1e-5f);

        using var xb = Runtime.Accelerator.Allocate1D(x);
        using var wb = Runtime.Accelerator.Allocate1D(w);
        using var yb = Runtime.Accelerator.Allocate1D<float>(x.Length);
        RmsNorm.LaunchRowsF32Weight(Runtime, rows, xb.View, wb.View, yb.View, dim, 1e-5f, GroupSizesThatFit().Max());
        Numerics.AssertClose(expected, yb.GetAsArray1D(), Rtol, Atol, "RmsNorm.RowsF32Weight");
    }

    [AcceleratorFact]
    public void RowsMayWriteInPlace()
    {
        const int rows = 4, dim = 64;
        float[] x = Numerics.Uniform(21, rows * dim);
        ushort[] w = Numerics.UniformBf16(22, dim);
        float[] expected = new float[x.Length];
        RmsNorm.Reference(x, w, expected, dim, 1e-6f);

        using var xb = Runtime.Accelerator.Allocate1D(x);
        using var wb = Runtime.Accelerator.Allocate1D(w);
        RmsNorm.LaunchRows(Runtime, rows, xb.View, wb.View, xb.View, dim, 1e-6f, 16);
        Numerics.AssertClose(expected, xb.GetAsArray1D(), Rtol, Atol, "RmsNorm.Rows in place");
    }

    [AcceleratorFact]
    public void RowsOfConstantValueNormaliseToTheWeight()
    {
        // Independent of the reference: a row of equal values c has rms |c|, so y = sign(c)·w (eps = 0).
        const int dim = 48;
        float[] x = Enumerable.Repeat(-3f, dim).ToArray();
        ushort[] w = Numerics.UniformBf16(31, dim);
        using var xb = Runtime.Accelerator.Allocate1D(x);
        using var wb = Runtime.Accelerator.Allocate1D(w);
        using var yb = Runtime.Accelerator.Allocate1D<float>(dim);
        RmsNorm.LaunchRows(Runtime, 1, xb.View, wb.View, yb.View, dim, 0f, 16);
        float[] expected = w.Select(b => -Bf16.ToSingle(b)).ToArray();
        Numerics.AssertClose(expected, yb.GetAsArray1D(), 1e-6f, 0f, "constant row");
    }

    [AcceleratorFact]
    public void LauncherRejectsUndeclaredGroupSize()
    {
        using var xb = Runtime.Accelerator.Allocate1D<float>(16);
        using var wb = Runtime.Accelerator.Allocate1D<ushort>(16);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => RmsNorm.LaunchRows(Runtime, 1, xb.View, wb.View, xb.View, 16, 1e-6f, 48));
        Assert.Equal("groupSize", e.ParamName);
        Assert.Contains("RmsNorm.Rows", e.Message);
        Assert.Contains("16, 32, 64, 128, 256, 512, 1024", e.Message);
    }

    [AcceleratorFact]
    public void LauncherRejectsNegativeGroupsAndMissingViews()
    {
        using var xb = Runtime.Accelerator.Allocate1D<float>(16);
        var negative = Assert.Throws<ArgumentException>(() => RmsNorm.LaunchRows(Runtime, -1, xb.View, default, xb.View, 16, 1e-6f, 16));
        Assert.Equal("groups", negative.ParamName);
        Assert.Contains("RmsNorm.Rows", negative.Message);

        var missing = Assert.Throws<ArgumentException>(() => RmsNorm.LaunchRows(Runtime, 1, xb.View, default, xb.View, 16, 1e-6f, 16));
        Assert.Equal("weight", missing.ParamName);

        RmsNorm.LaunchRows(Runtime, 0, default, default, default, 16, 1e-6f, 16); // nothing to do, nothing checked
    }

    [AcceleratorFact]
    public void LauncherRejectsGroupLargerThanTheAccelerator()
    {
        int max = Runtime.Accelerator.MaxNumThreadsPerGroup;
        if (max >= 1024) return; // every declared size fits this accelerator
        int tooLarge = RmsNormSizes().First(s => s > max);
        using var xb = Runtime.Accelerator.Allocate1D<float>(16);
        using var wb = Runtime.Accelerator.Allocate1D<ushort>(16);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => RmsNorm.LaunchRows(Runtime, 1, xb.View, wb.View, xb.View, 16, 1e-6f, tooLarge));
        Assert.Contains("threads per group", e.Message);
    }

    private static int[] RmsNormSizes() => KernelRegistry.Find("RmsNorm.Rows")!.Tunables["groupSize"];

    private IEnumerable<int> GroupSizesThatFit() => RmsNormSizes().Where(s => s <= Runtime.Accelerator.MaxNumThreadsPerGroup);
}

/// <summary>The CPU reference of RMSNorm, checked against hand-computed values.</summary>
public sealed class RmsNormReferenceTests
{
    [Fact]
    public void ReferenceMatchesHandComputedRow()
    {
        // x = [1, 2, 3, 4]: mean(x²) = 7.5, 1/sqrt(7.5) = 0.36514837; weights 1, 1, 2, 1.
        float[] y = new float[4];
        RmsNorm.Reference([1f, 2f, 3f, 4f], [Bf16.FromSingle(1f), Bf16.FromSingle(1f), Bf16.FromSingle(2f), Bf16.FromSingle(1f)], y, 4, 0f);
        Numerics.AssertClose([0.36514837f, 0.73029674f, 2.1908902f, 1.4605935f], y, 1e-6f, 0f, "hand-computed row");
    }

    [Fact]
    public void ReferenceRejectsBadShapes()
    {
        Assert.Throws<ArgumentException>(() => RmsNorm.Reference(new float[10], new ushort[4], new float[10], 4, 1e-6f));
        Assert.Throws<ArgumentException>(() => RmsNorm.Reference(new float[8], new ushort[3], new float[8], 4, 1e-6f));
        Assert.Throws<ArgumentOutOfRangeException>(() => RmsNorm.Reference(new float[8], new ushort[0], new float[8], 0, 1e-6f));
    }

    [Fact]
    public void ReferenceParallelPathMatchesSequentialRows()
    {
        // Large enough for Parallel.For; each row must equal the same row normalised alone.
        const int rows = 40, dim = 2048;
        float[] x = Numerics.Uniform(41, rows * dim);
        ushort[] w = Numerics.UniformBf16(42, dim);
        float[] all = new float[x.Length];
        RmsNorm.Reference(x, w, all, dim, 1e-6f);
        float[] row = new float[dim];
        for (int r = 0; r < rows; r += 13)
        {
            RmsNorm.Reference(x.AsSpan(r * dim, dim), w, row, dim, 1e-6f);
            Assert.Equal(row, all.AsSpan(r * dim, dim).ToArray());
        }
    }
}

/// <summary>RMSNorm on ILGPU's CPU accelerator.</summary>
public sealed class RmsNormTestsCpu(CpuAcceleratorFixture fixture) : RmsNormTests(fixture), IClassFixture<CpuAcceleratorFixture>;

/// <summary>RMSNorm on a CUDA GPU (discovered only where one exists).</summary>
[RequiresCuda]
public sealed class RmsNormTestsCuda(CudaAcceleratorFixture fixture) : RmsNormTests(fixture), IClassFixture<CudaAcceleratorFixture>;
