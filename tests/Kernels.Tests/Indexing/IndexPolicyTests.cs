// PruneVid.NET — the index policy: an out-of-range index gives the same defined result on every backend.
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Kernels.Tests.Accelerators;

namespace PruneVid.Kernels.Tests.Indexing;

/// <summary>
/// Indices are data, not arguments: no backend checks them, and every backend clamps them on gather and embedding and
/// skips them on scatter, so a bad index never makes one backend throw where the other carries on.
/// </summary>
public sealed class IndexPolicyTests(CpuAcceleratorFixture fixture) : IClassFixture<CpuAcceleratorFixture>
{
    public static TheoryData<string> Backends() => ["cpu", "ilgpu-cpu"];

    private ComputeBackend Create(string name) => name == "cpu" ? new CpuBackend() : new IlgpuBackend(fixture.Runtime);

    [Theory]
    [MemberData(nameof(Backends))]
    public void GatherClampsAnOutOfRangeIndexAndScatterSkipsIt(string name)
    {
        using ComputeBackend b = Create(name);
        using Tensor source = b.FromF32([10, 11, 20, 21, 30, 31], 3, 2), bad = b.FromI32([-4, 99, 1], 3), gathered = b.Allocate(DType.F32, 3, 2);
        b.GatherRows(source, bad, gathered);
        Assert.Equal([10f, 11f, 30f, 31f, 20f, 21f], Download(b, gathered));

        using Tensor target = b.Allocate(DType.F32, 3, 2);
        b.ScatterRows(source, bad, target);
        Assert.Equal([0f, 0f, 30f, 31f, 0f, 0f], Download(b, target));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void EmbeddingClampsAnIdOutsideTheTable(string name)
    {
        using ComputeBackend b = Create(name);
        using Tensor table = b.FromBf16([Bf16.FromSingle(1f), Bf16.FromSingle(2f), Bf16.FromSingle(3f)], 3, 1);
        using Tensor ids = b.FromI32([-1, 2, 151656], 3), y = b.Allocate(DType.F32, 3, 1);
        b.Embedding(table, ids, y);
        Assert.Equal([1f, 3f, 3f], Download(b, y));
    }

    private static float[] Download(ComputeBackend b, Tensor t)
    {
        var host = new float[t.Length];
        b.CopyToHost(t, host);
        return host;
    }
}
