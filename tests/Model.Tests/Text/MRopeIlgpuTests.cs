// PruneVid.NET — language model tests: the M-RoPE kernel on ILGPU's CPU accelerator.
using PruneVid.Compute;
using PruneVid.Kernels;
using PruneVid.Kernels.Cpu;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Runtime.Model.Text;
using Xunit;

namespace PruneVid.Model.Tests.Text;

/// <summary>The ILGPU MRope kernel gives the Cpu reference's result (same f32 operations, so equal to rounding).</summary>
public sealed class MRopeIlgpuTests
{
    [Theory]
    [InlineData(16, 4, new[] { 2, 3, 3 }, 7)]
    [InlineData(128, 2, new[] { 16, 24, 24 }, 3)]
    [InlineData(8, 3, new[] { 0, 1, 3 }, 5)]
    public void KernelMatchesTheReference(int headDim, int heads, int[] section, int rows)
    {
        var random = new Random(headDim + rows);
        float[] x = Enumerable.Range(0, rows * heads * headDim).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        int[] positions = Enumerable.Range(0, 3 * rows).Select(_ => random.Next(0, 4000)).ToArray();

        var cpu = new CpuBackend();
        using var gpu = new IlgpuBackend(KernelRuntime.CreateCpu(), ownsRuntime: true);
        float[] expected = Run(cpu, x, positions, heads, headDim, section, rows);
        float[] actual = Run(gpu, x, positions, heads, headDim, section, rows);
        for (int i = 0; i < x.Length; i++) Assert.Equal(expected[i], actual[i], 1e-6f);
    }

    private static float[] Run(ComputeBackend backend, float[] x, int[] positions, int heads, int headDim, int[] section, int rows)
    {
        using var table = new RotaryTable(backend, headDim, 1e6);
        table.EnsureCapacity(4000);
        using Tensor xt = backend.FromF32(x, rows, heads * headDim);
        using Tensor pt = backend.FromI32(positions, 3, rows);
        backend.MRope(xt, heads, headDim, pt, table.Cos!, table.Sin!, section);
        var result = new float[x.Length];
        backend.CopyToHost(xt, result);
        return result;
    }
}
