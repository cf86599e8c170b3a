// PruneVid.NET — kernel tests: M-RoPE on queries and keys in one call, on every backend.
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Kernels.Tests.Accelerators;

namespace PruneVid.Kernels.Tests.Rotary;

/// <summary>
/// M-RoPE on q and k together against <see cref="Kernels.MRope.Reference"/> on q and on k. On a device the call must be
/// a single launch (the decode launch budget, docs/compute-backends.md).
/// </summary>
public abstract class MRopeQueryKeyTests : IDisposable
{
    protected abstract ComputeBackend Backend { get; }

    /// <summary>Launches a single fused op may make on this backend (1 on a device; the Cpu backend launches nothing).</summary>
    protected abstract long LaunchesPerOp { get; }

    public abstract void Dispose();

    [Theory]
    [InlineData(1, 4, 2, 16, new[] { 2, 3, 3 })]
    [InlineData(5, 3, 1, 8, new[] { 1, 2, 1 })]
    [InlineData(2, 2, 2, 128, new[] { 16, 24, 24 })]
    public void MRopeOnQueriesAndKeysEqualsTwoRotations(int rows, int qHeads, int kHeads, int headDim, int[] section)
    {
        var b = Backend;
        int half = headDim / 2, tableRows = 40;
        float[] q = Numerics.Uniform(1, rows * qHeads * headDim, -1f, 1f), k = Numerics.Uniform(2, rows * kHeads * headDim, -1f, 1f);
        float[] cos = new float[tableRows * half], sin = new float[tableRows * half];
        for (int p = 0; p < tableRows; p++)
            for (int j = 0; j < half; j++)
            {
                double angle = p / Math.Pow(10000, 2.0 * j / headDim);
                (cos[p * half + j], sin[p * half + j]) = ((float)Math.Cos(angle), (float)Math.Sin(angle));
            }
        int[] positions = Enumerable.Range(0, 3 * rows).Select(i => (i * 7 + i / rows * 3) % tableRows).ToArray();
        float[] expectedQ = (float[])q.Clone(), expectedK = (float[])k.Clone();
        Kernels.MRope.Reference(expectedQ, qHeads, headDim, positions, cos, sin, section);
        Kernels.MRope.Reference(expectedK, kHeads, headDim, positions, cos, sin, section);

        using Tensor qt = b.FromF32(q, rows, qHeads * headDim), kt = b.FromF32(k, rows, kHeads * headDim);
        using Tensor pt = b.FromI32(positions, 3, rows), ct = b.FromF32(cos, tableRows, half), st = b.FromF32(sin, tableRows, half);
        CounterSnapshot before = b.Counters.Snapshot();
        b.MRope(qt, qHeads, kt, kHeads, headDim, pt, ct, st, section);
        Assert.Equal(LaunchesPerOp, (b.Counters.Snapshot() - before).Launches);
        // The same products and one add per output as the reference: bit-identical.
        Assert.Equal(expectedQ, Download(b, qt));
        Assert.Equal(expectedK, Download(b, kt));
    }

    [Fact]
    public void MRopeOnQueriesAndKeysRejectsRowMismatch()
    {
        var b = Backend;
        using Tensor q = b.Allocate(DType.F32, 2, 8), k = b.Allocate(DType.F32, 3, 8), p = b.Allocate(DType.I32, 3, 2);
        using Tensor c = b.Allocate(DType.F32, 4, 4), s = b.Allocate(DType.F32, 4, 4);
        var e = Assert.Throws<ArgumentException>(() => b.MRope(q, 1, k, 1, 8, p, c, s, [2, 1, 1]));
        Assert.Contains("MRope", e.Message);
    }

    private static float[] Download(ComputeBackend b, Tensor t)
    {
        var host = new float[t.Length];
        b.CopyToHost(t, host);
        return host;
    }
}

/// <summary>M-RoPE on q and k on the Cpu backend (its SIMD paths).</summary>
public sealed class MRopeQueryKeyTestsCpuBackend : MRopeQueryKeyTests
{
    private readonly CpuBackend _backend = new();
    protected override ComputeBackend Backend => _backend;
    protected override long LaunchesPerOp => 0;
    public override void Dispose() => _backend.Dispose();
}

/// <summary>M-RoPE on q and k on the ILGPU backend over ILGPU's CPU accelerator: one launch each.</summary>
public sealed class MRopeQueryKeyTestsIlgpuCpu : MRopeQueryKeyTests, IClassFixture<CpuAcceleratorFixture>
{
    private readonly IlgpuBackend _backend;
    public MRopeQueryKeyTestsIlgpuCpu(CpuAcceleratorFixture fixture) => _backend = new IlgpuBackend(fixture.Runtime);
    protected override ComputeBackend Backend => _backend;
    protected override long LaunchesPerOp => 1;
    public override void Dispose() => _backend.Dispose();
}
