// PruneVid.NET — kernel tests.
using PruneVid.Compute;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Kernels.Tests.Accelerators;

namespace PruneVid.Kernels.Tests.Indexing;

/// <summary>Row gather/scatter kernels for every dtype (bits are moved, so results are exact).</summary>
public abstract class RowsTests(AcceleratorFixture fixture)
{
    private static readonly int[] Permutation = [4, 0, 6, 2, 1, 5, 3];

    [AcceleratorTheory]
    [InlineData(DType.F32)]
    [InlineData(DType.BF16)]
    [InlineData(DType.I32)]
    public void GatherThenScatterRestoresTheRows(DType dtype)
    {
        // Gather by a permutation must match the reference, and scattering back by the same indices restores the source.
        const int rows = 7, width = 5;
        using var backend = new IlgpuBackend(fixture.Runtime);
        int[] words = Enumerable.Range(0, rows * width).Select(i => i * 37 + 11).ToArray();
        using Tensor source = Upload(backend, dtype, words, rows, width), indices = backend.FromI32(Permutation, rows);
        using Tensor gathered = backend.Allocate(dtype, rows, width), restored = backend.Allocate(dtype, rows, width);
        backend.GatherRows(source, indices, gathered);
        int[] expected = new int[words.Length];
        Rows.GatherReference<int>(words, Permutation, expected, width);
        Assert.Equal(expected, Download(backend, gathered));

        backend.ScatterRows(gathered, indices, restored);
        Assert.Equal(words, Download(backend, restored));
    }

    [AcceleratorFact]
    public void GatherSelectsFewerRowsThanTheSource()
    {
        using var backend = new IlgpuBackend(fixture.Runtime);
        float[] source = Numerics.Uniform(1, 6 * 3);
        int[] keep = [5, 5, 0];
        using Tensor ts = backend.FromF32(source, 6, 3), ti = backend.FromI32(keep, 3), td = backend.Allocate(DType.F32, 3, 3);
        backend.GatherRows(ts, ti, td);
        float[] got = new float[9], expected = new float[9];
        backend.CopyToHost(td, got);
        Rows.GatherReference<float>(source, keep, expected, 3);
        Assert.Equal(expected, got);
    }

    [AcceleratorFact]
    public void OutOfRangeIndicesAreClampedOnGatherAndSkippedOnScatter()
    {
        // The documented device policy: kernels cannot throw.
        using var backend = new IlgpuBackend(fixture.Runtime);
        int[] source = [10, 11, 20, 21, 30, 31];
        using Tensor ts = backend.FromI32(source, 3, 2), bad = backend.FromI32([-4, 99, 1], 3), td = backend.Allocate(DType.I32, 3, 2);
        backend.GatherRows(ts, bad, td);
        Assert.Equal([10, 11, 30, 31, 20, 21], Download(backend, td));

        using Tensor target = backend.FromI32([0, 0, 0, 0, 0, 0], 3, 2);
        backend.ScatterRows(ts, bad, target);
        Assert.Equal([0, 0, 30, 31, 0, 0], Download(backend, target));
    }

    [AcceleratorFact]
    public void RejectsMismatchedRows()
    {
        using var backend = new IlgpuBackend(fixture.Runtime);
        using Tensor source = backend.Allocate(DType.F32, 4, 3), indices = backend.FromI32([0, 1], 2), wrongWidth = backend.Allocate(DType.F32, 2, 4);
        Assert.Throws<ArgumentException>(() => backend.GatherRows(source, indices, wrongWidth));
        using Tensor wrongCount = backend.Allocate(DType.F32, 3, 3);
        Assert.Throws<ArgumentException>(() => backend.GatherRows(source, indices, wrongCount));
    }

    private static Tensor Upload(IlgpuBackend backend, DType dtype, int[] words, int rows, int width) => dtype switch
    {
        DType.F32 => backend.FromF32(words.Select(w => (float)w).ToArray(), rows, width),
        DType.BF16 => backend.FromBf16(words.Select(w => (ushort)w).ToArray(), rows, width),
        _ => backend.FromI32(words, rows, width),
    };

    private static int[] Download(IlgpuBackend backend, Tensor t)
    {
        if (t.DType == DType.I32)
        {
            int[] ints = new int[t.Length];
            backend.CopyToHost(t, ints);
            return ints;
        }
        float[] values = new float[t.Length];
        backend.CopyToHost(t, values);
        // bf16 words below 2^16 widen to tiny floats: recover the word from the bits; f32 holds the integer itself.
        return t.DType == DType.BF16
            ? values.Select(v => BitConverter.SingleToInt32Bits(v) >>> 16).ToArray()
            : values.Select(v => (int)v).ToArray();
    }
}

/// <summary>Row gather/scatter on ILGPU's CPU accelerator.</summary>
public sealed class RowsTestsCpu(CpuAcceleratorFixture fixture) : RowsTests(fixture), IClassFixture<CpuAcceleratorFixture>;

/// <summary>Row gather/scatter on a CUDA GPU (discovered only where one exists).</summary>
[RequiresCuda]
public sealed class RowsTestsCuda(CudaAcceleratorFixture fixture) : RowsTests(fixture), IClassFixture<CudaAcceleratorFixture>;
