// PruneVid.NET — kernel tests: the fused projection kernels launched directly (the backend takes the GEMV only on CUDA).
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Kernels.Tests.Accelerators;

namespace PruneVid.Kernels.Tests.MatMul;

/// <summary><c>MatMul.ProjectGemv</c> and <c>MatMul.ProjectTiled</c> at every tunable, each slot against <see cref="Kernels.MatMul.Reference(ReadOnlySpan{float}, ReadOnlySpan{ushort}, ReadOnlySpan{ushort}, Span{float}, int, int, int)"/>.</summary>
public abstract class ProjectKernelTests(AcceleratorFixture fixture)
{
    private const float Rtol = 1e-5f, Atol = 2e-5f;

    private KernelRuntime Runtime => fixture.Runtime;

    [AcceleratorTheory]
    [InlineData(1, 37, 9, 9, 70, 0b101)]
    [InlineData(3, 1, 45, 0, 258, 0b011)]
    [InlineData(8, 5, 2, 40, 2, 0b111)]
    public void GemvSlotsMatchTheReference(int m, int n0, int n1, int n2, int k, int biasMask)
    {
        foreach (int threads in Fitting("MatMul.ProjectGemv").Where(t => t >= Runtime.Accelerator.WarpSize))
            Check(m, [n0, n1, n2], k, biasMask, threads, gemv: true);
    }

    [AcceleratorTheory]
    [InlineData(1, 37, 9, 9, 70, 0b101)]
    [InlineData(17, 33, 70, 1, 40, 0b010)]
    [InlineData(35, 20, 0, 16, 16, 0b111)]
    public void TiledSlotsMatchTheReference(int m, int n0, int n1, int n2, int k, int biasMask)
    {
        foreach (int threads in Fitting("MatMul.ProjectTiled"))
            Check(m, [n0, n1, n2], k, biasMask, threads, gemv: false);
    }

    private void Check(int m, int[] ns, int k, int biasMask, int threads, bool gemv)
    {
        var accelerator = Runtime.Accelerator;
        float[] x = Numerics.Uniform(m + k, m * k, -1f, 1f);
        using var xb = accelerator.Allocate1D(x);
        var w = new MemoryBuffer1D<ushort, Stride1D.Dense>[3];
        var bias = new MemoryBuffer1D<ushort, Stride1D.Dense>[3];
        var y = new MemoryBuffer1D<float, Stride1D.Dense>[3];
        var expected = new float[3][];
        for (int i = 0; i < 3; i++)
        {
            int n = Math.Max(ns[i], 1); // an unused slot still gets valid (never read) views
            ushort[] wi = Numerics.UniformBf16(10 * i + n, n * k, -1f, 1f), bi = Numerics.UniformBf16(20 * i + n, n, -1f, 1f);
            expected[i] = new float[m * ns[i]];
            Kernels.MatMul.Reference(x, wi.AsSpan(0, ns[i] * k), ((biasMask >> i) & 1) != 0 ? bi.AsSpan(0, ns[i]) : default, expected[i], m, ns[i], k);
            w[i] = accelerator.Allocate1D(wi);
            bias[i] = accelerator.Allocate1D(bi);
            y[i] = accelerator.Allocate1D<float>(m * n);
            y[i].MemSetToZero();
        }
        var shapes = new ProjectionShapes(m, k, ns[0], ns[1], ns[2], biasMask);
        if (gemv)
            Kernels.MatMul.LaunchProjectGemv(Runtime, Kernels.MatMul.GemvGroups(shapes.TotalN, threads, accelerator.WarpSize), xb.View,
                Pairs(w[0]), bias[0].View, y[0].View, Pairs(w[1]), bias[1].View, y[1].View, Pairs(w[2]), bias[2].View, y[2].View, shapes, threads);
        else
            Kernels.MatMul.LaunchProjectTiled(Runtime, Kernels.MatMul.ProjectTiledGroups(shapes, threads), xb.View,
                w[0].View, bias[0].View, y[0].View, w[1].View, bias[1].View, y[1].View, w[2].View, bias[2].View, y[2].View, shapes, threads);
        for (int i = 0; i < 3; i++)
        {
            float[] actual = y[i].GetAsArray1D();
            Numerics.AssertClose(expected[i], actual.AsSpan(0, m * ns[i]), Rtol, Atol, $"{(gemv ? "ProjectGemv" : "ProjectTiled")} slot {i} threads={threads}");
            if (ns[i] == 0) Assert.All(actual, v => Assert.Equal(0f, v)); // an unused slot is never written
            w[i].Dispose(); bias[i].Dispose(); y[i].Dispose();
        }
    }

    private static ArrayView<uint> Pairs(MemoryBuffer1D<ushort, Stride1D.Dense> words) => ((ArrayView<ushort>)words.View).Cast<uint>();

    private IEnumerable<int> Fitting(string kernel)
        => KernelRegistry.Find(kernel)!.Tunables["threads"].Where(t => t <= Runtime.Accelerator.MaxNumThreadsPerGroup);
}

/// <summary>The fused projection kernels on ILGPU's CPU accelerator.</summary>
public sealed class ProjectKernelTestsCpu(CpuAcceleratorFixture fixture) : ProjectKernelTests(fixture), IClassFixture<CpuAcceleratorFixture>;

/// <summary>The fused projection kernels on a CUDA GPU (discovered only where one exists).</summary>
[RequiresCuda]
public sealed class ProjectKernelTestsCuda(CudaAcceleratorFixture fixture) : ProjectKernelTests(fixture), IClassFixture<CudaAcceleratorFixture>;
