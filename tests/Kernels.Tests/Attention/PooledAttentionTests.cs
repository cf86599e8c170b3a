// PruneVid.NET — kernel tests: one attention call over a KV pool (sequences in slots, free rows between them).
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Kernels.Tests.Accelerators;

namespace PruneVid.Kernels.Tests.Attention;

/// <summary>
/// A batched decode step's attention: one query per sequence, each sequence's keys in a slot of one pooled tensor, with
/// query-less segments over the rows between slots and segment tables already on the device. Every query's output must
/// equal, bit for bit, a call over its own slot alone (the kernel it takes alone), and the call must neither upload
/// nor patch a table. Short caches take the tiled kernel, caches of at least DecodeSplitMinKeys the split-key pair.
/// </summary>
public sealed class PooledAttentionTests(CpuAcceleratorFixture fixture) : IClassFixture<CpuAcceleratorFixture>
{
    public static TheoryData<string, int, int> Cases() => new()
    {
        { "ilgpu-cpu", 5, 37 },     // tiled
        { "ilgpu-cpu", 515, 601 },  // split-key decode pair
        { "cpu", 5, 37 },
        { "cpu", 515, 601 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void OneCallOverThePoolEqualsACallPerSequence(string backendName, int firstKeys, int secondKeys)
    {
        using ComputeBackend b = backendName == "cpu" ? new CpuBackend() : new IlgpuBackend(fixture.Runtime);
        var shape = AttentionShape.Create(heads: 6, kvHeads: 2, headDim: 20);
        int kv = shape.KvHeads * shape.HeadDim, width = shape.Heads * shape.HeadDim;
        // Slots: free rows 0..2, sequence 0 at 3, free rows, sequence 1 at 3 + firstKeys + 11, free rows after.
        int first = 3, second = first + firstKeys + 11, rows = second + secondKeys + 7;
        var rng = new Random(3);
        float[] Random(int n) => [.. Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1))];
        using Tensor q = b.FromF32(Random(2 * width), 2, width), k = b.FromF32(Random(rows * kv), rows, kv), v = b.FromF32(Random(rows * kv), rows, kv);
        using Tensor pooled = b.Allocate(DType.F32, 2, width), alone = b.Allocate(DType.F32, 2, width);

        int[] cuQ = [0, 0, 1, 1, 2], cuK = [0, first, first + firstKeys, second, second + secondKeys];
        int[] layout = Kernels.Attention.SegmentTableLayout(cuQ, cuK);
        Assert.Equal(Kernels.Attention.SegmentTableLength(cuQ), layout.Length);
        using Tensor tables = b.FromI32(layout, layout.Length);
        b.Synchronize();
        CounterSnapshot before = b.Counters.Snapshot();
        b.Attention(q, k, v, pooled, shape, cuQ, cuK, causal: true, tables);
        CounterSnapshot call = b.Counters.Snapshot() - before;
        Assert.Equal(0, call.HostToDevice);

        b.Attention(b.SliceRows(q, 0, 1), b.SliceRows(k, first, firstKeys), b.SliceRows(v, first, firstKeys), b.SliceRows(alone, 0, 1), shape,
            [0, 1], [0, firstKeys], causal: true);
        b.Attention(b.SliceRows(q, 1, 1), b.SliceRows(k, second, secondKeys), b.SliceRows(v, second, secondKeys), b.SliceRows(alone, 1, 1), shape,
            [0, 1], [0, secondKeys], causal: true);
        float[] got = new float[2 * width], expected = new float[2 * width];
        b.CopyToHost(pooled, got);
        b.CopyToHost(alone, expected);
        Assert.Equal(expected, got);
        Assert.Contains(got, x => x != 0f);

        var reference = new float[2 * width];
        float[] hostQ = new float[2 * width], hostK = new float[rows * kv], hostV = new float[rows * kv];
        b.CopyToHost(q, hostQ);
        b.CopyToHost(k, hostK);
        b.CopyToHost(v, hostV);
        Kernels.Attention.Reference(hostQ, hostK, hostV, reference, shape, cuQ, cuK, causal: true);
        for (int i = 0; i < got.Length; i++) Assert.True(Math.Abs(got[i] - reference[i]) <= 1e-5f + 1e-4f * Math.Abs(reference[i]), $"output {i}: {got[i]} vs reference {reference[i]}");
    }

    [Fact]
    public void DeviceTablesOfTheWrongLengthAreRefused()
    {
        using var b = new CpuBackend();
        var shape = AttentionShape.Create(2, 1, 4);
        using Tensor q = b.Allocate(DType.F32, 1, 8), k = b.Allocate(DType.F32, 3, 4), v = b.Allocate(DType.F32, 3, 4), o = b.Allocate(DType.F32, 1, 8);
        using Tensor tables = b.FromI32([0, 1, 0, 3], 4);
        var error = Assert.Throws<ArgumentException>(() => b.Attention(q, k, v, o, shape, [0, 1], [0, 3], causal: true, tables));
        Assert.Contains("must hold 6 values", error.Message);
    }
}
