// PruneVid.NET — kernel tests.
using PruneVid.Compute;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Kernels.Tests.Accelerators;

namespace PruneVid.Kernels.Tests.Indexing;

/// <summary>Embedding lookup kernels (bf16 and f32 tables): exact widening, so results equal the reference bit for bit.</summary>
public abstract class EmbeddingTests(AcceleratorFixture fixture)
{
    private static readonly int[] Ids = [3, 0, 9, 3, 7];

    [AcceleratorFact]
    public void Bf16TableMatchesReference()
    {
        const int vocab = 10, width = 12;
        ushort[] table = Numerics.UniformBf16(1, vocab * width, -3f, 3f);
        float[] expected = new float[Ids.Length * width];
        Kernels.Embedding.Reference(table, Ids, expected, width);
        using var backend = new IlgpuBackend(fixture.Runtime);
        using Tensor tt = backend.FromBf16(table, vocab, width);
        Assert.Equal(expected, Lookup(backend, tt, Ids, width));
    }

    [AcceleratorFact]
    public void F32TableMatchesReference()
    {
        const int vocab = 10, width = 7;
        float[] table = Numerics.Uniform(2, vocab * width);
        float[] expected = new float[Ids.Length * width];
        Kernels.Embedding.Reference(table, Ids, expected, width);
        using var backend = new IlgpuBackend(fixture.Runtime);
        using Tensor tt = backend.FromF32(table, vocab, width);
        Assert.Equal(expected, Lookup(backend, tt, Ids, width));
    }

    [AcceleratorFact]
    public void OutOfVocabularyIdsAreClamped()
    {
        // The documented device policy: −1 reads row 0, an id past the end reads the last row.
        float[] table = [1f, 1f, 2f, 2f, 3f, 3f];
        using var backend = new IlgpuBackend(fixture.Runtime);
        using Tensor tt = backend.FromF32(table, 3, 2);
        Assert.Equal([1f, 1f, 3f, 3f], Lookup(backend, tt, [-1, 151656], 2));
    }

    private static float[] Lookup(IlgpuBackend backend, Tensor table, int[] ids, int width)
    {
        using Tensor ti = backend.FromI32(ids, ids.Length), ty = backend.Allocate(DType.F32, ids.Length, width);
        backend.Embedding(table, ti, ty);
        float[] result = new float[ids.Length * width];
        backend.CopyToHost(ty, result);
        return result;
    }
}

/// <summary>Embedding on ILGPU's CPU accelerator.</summary>
public sealed class EmbeddingTestsCpu(CpuAcceleratorFixture fixture) : EmbeddingTests(fixture), IClassFixture<CpuAcceleratorFixture>;

/// <summary>Embedding on a CUDA GPU (discovered only where one exists).</summary>
[RequiresCuda]
public sealed class EmbeddingTestsCuda(CudaAcceleratorFixture fixture) : EmbeddingTests(fixture), IClassFixture<CudaAcceleratorFixture>;
