// PruneVid.NET — the validated op layer: every backend rejects the same bad calls with the same message.
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Kernels.Tests.Accelerators;

namespace PruneVid.Kernels.Tests.Compute;

public sealed class OpValidationTests(CpuAcceleratorFixture fixture) : IClassFixture<CpuAcceleratorFixture>
{
    /// <summary>Bad calls, each run on a fresh tensor set of the given backend, with the start of the message it must give.</summary>
    private static readonly (string What, string Message, Action<ComputeBackend> Call)[] BadCalls =
    [
        ("matmul K mismatch", "MatMul: rows of x ", b => b.MatMul(b.Allocate(DType.F32, 2, 3), b.Allocate(DType.BF16, 4, 5), null, b.Allocate(DType.F32, 2, 4))),
        ("matmul wrong output", "MatMul: y ", b => b.MatMul(b.Allocate(DType.F32, 2, 5), b.Allocate(DType.BF16, 4, 5), null, b.Allocate(DType.F32, 2, 3))),
        ("matmul bias dtype", "MatMul: bias ", b => b.MatMul(b.Allocate(DType.F32, 2, 5), b.Allocate(DType.BF16, 4, 5), b.Allocate(DType.F32, 4), b.Allocate(DType.F32, 2, 4))),
        ("matmul I32 weights", "MatMul: w must be BF16 or F32 weights", b => b.MatMul(b.Allocate(DType.F32, 2, 5), b.Allocate(DType.I32, 4, 5), null, b.Allocate(DType.F32, 2, 4))),
        ("rmsnorm weight length", "RmsNorm: weight ", b => b.RmsNorm(b.Allocate(DType.F32, 2, 8), b.Allocate(DType.BF16, 7), 1e-6f, b.Allocate(DType.F32, 2, 8))),
        ("add lengths", "Add: b ", b => b.Add(b.Allocate(DType.F32, 4), b.Allocate(DType.F32, 5), b.Allocate(DType.F32, 4))),
        ("silu-mul dtype", "SiluMul: up must be F32", b => b.SiluMul(b.Allocate(DType.F32, 4), b.Allocate(DType.I32, 4), b.Allocate(DType.F32, 4))),
        ("gelu lengths", "Gelu: y ", b => b.Gelu(b.Allocate(DType.F32, 4), b.Allocate(DType.F32, 3))),
        ("rotary odd head", "Rotary: heads (2) must be positive and headDim (3) positive and even", b => b.Rotary(b.Allocate(DType.F32, 2, 6), 2, 3, b.Allocate(DType.F32, 2, 3), b.Allocate(DType.F32, 2, 3))),
        ("attention q rows", "Attention: rows of q ", b => b.Attention(b.Allocate(DType.F32, 2, 6), b.Allocate(DType.F32, 2, 8), b.Allocate(DType.F32, 2, 8), b.Allocate(DType.F32, 2, 6),
            AttentionShape.Create(2, 2, 4), [0, 2], [0, 2], false)),
        ("attention segments", "attention: cu_seqlens_q ends at 3 but q has 2 rows", b => b.Attention(b.Allocate(DType.F32, 2, 8), b.Allocate(DType.F32, 2, 8), b.Allocate(DType.F32, 2, 8), b.Allocate(DType.F32, 2, 8),
            AttentionShape.Create(2, 2, 4), [0, 3], [0, 2], false)),
        ("gather index dtype", "GatherRows: indices must be I32", b => b.GatherRows(b.Allocate(DType.F32, 3, 2), b.Allocate(DType.F32, 2), b.Allocate(DType.F32, 2, 2))),
        ("embedding output", "Embedding: y ", b => b.Embedding(b.Allocate(DType.BF16, 3, 2), b.FromI32([0, 1], 2), b.Allocate(DType.F32, 2, 3))),
        ("argmax result", "ArgMax: result ", b => b.ArgMax(b.Allocate(DType.F32, 3, 2), b.Allocate(DType.I32, 2))),
    ];

    public static TheoryData<string> Names() => [.. BadCalls.Select(c => c.What)];

    [Theory]
    [MemberData(nameof(Names))]
    public void BothBackendsRejectABadCallWithTheSameMessage(string what)
    {
        var (_, message, call) = BadCalls.Single(c => c.What == what);
        using var cpu = new CpuBackend();
        using var ilgpu = new IlgpuBackend(fixture.Runtime);
        long launches = ilgpu.Counters.Snapshot().Launches;
        var onCpu = Assert.ThrowsAny<ArgumentException>(() => call(cpu));
        var onIlgpu = Assert.ThrowsAny<ArgumentException>(() => call(ilgpu));
        Assert.StartsWith(message, onCpu.Message); // the check that should fire did, with its reason
        Assert.Equal(onCpu.GetType(), onIlgpu.GetType());
        Assert.Equal(onCpu.Message.Replace(cpu.Name, "B"), onIlgpu.Message.Replace(ilgpu.Name, "B"));
        Assert.Equal(launches, ilgpu.Counters.Snapshot().Launches); // rejected before any kernel was queued
    }

    [Fact]
    public void ATensorOfAnotherBackendIsNamedInTheError()
    {
        using var cpu = new CpuBackend();
        using var other = new CpuBackend();
        var e = Assert.Throws<ArgumentException>(() => cpu.Add(other.Allocate(DType.F32, 2), cpu.Allocate(DType.F32, 2), cpu.Allocate(DType.F32, 2)));
        Assert.Contains("not to this cpu backend", e.Message);
    }

    [Fact]
    public void RmsNormTakesF32WeightsOnBothBackendsWithTheSameResult()
    {
        // Was a divergence: the Cpu backend accepted only BF16 norm weights.
        float[] x = Numerics.Uniform(3, 3 * 8), w = Numerics.Uniform(4, 8, 0.5f, 1.5f);
        float[] Run(ComputeBackend b)
        {
            using Tensor tx = b.FromF32(x, 3, 8), tw = b.FromF32(w, 8), ty = b.Allocate(DType.F32, 3, 8);
            b.RmsNorm(tx, tw, 1e-6f, ty);
            var result = new float[24];
            b.CopyToHost(ty, result);
            return result;
        }
        using var cpu = new CpuBackend();
        using var ilgpu = new IlgpuBackend(fixture.Runtime);
        float[] expected = new float[24];
        RmsNorm.ReferenceF32Weight(x, w, expected, 8, 1e-6f);
        Numerics.AssertClose(expected, Run(cpu), 1e-6f, 1e-6f, "cpu");
        Numerics.AssertClose(expected, Run(ilgpu), 1e-5f, 1e-5f, "ilgpu");
    }

    [Fact]
    public void EmptyWorkIsSkippedBeforeAnyBackendCodeRuns()
    {
        // An op reaches its backend core only through the profiled section after its checks: an op skipped as empty
        // records no call, and on a device queues no kernel.
        using var cpu = new CpuBackend();
        using var ilgpu = new IlgpuBackend(fixture.Runtime);
        foreach (ComputeBackend b in new ComputeBackend[] { cpu, ilgpu })
        {
            using Tensor x = b.Allocate(DType.F32, 0, 4), w = b.Allocate(DType.BF16, 3, 4), y = b.Allocate(DType.F32, 0, 3);
            using Tensor q = b.Allocate(DType.F32, 0, 8), k = b.Allocate(DType.F32, 0, 8), v = b.Allocate(DType.F32, 0, 8), o = b.Allocate(DType.F32, 0, 8);
            using Tensor empty = b.Allocate(DType.F32, 0), ids = b.Allocate(DType.I32, 0), rows = b.Allocate(DType.F32, 0, 2);
            b.Profile = new OpProfile();
            CounterSnapshot before = b.Counters.Snapshot();
            b.MatMul(x, w, null, y);
            b.Project(x, [new Projection(w, null, y)]);
            b.Attention(q, k, v, o, AttentionShape.Create(2, 2, 4), [0, 0], [0, 0], true);
            b.Add(empty, empty, empty);
            b.SiluMul(empty, empty, empty);
            b.GatherRows(rows, ids, rows);
            CounterSnapshot spent = b.Counters.Snapshot() - before;
            Assert.Empty(b.Profile.Entries);
            Assert.Equal(0, spent.Launches);
            Assert.Equal(0, spent.HostToDevice + spent.DeviceToHost + spent.Allocations);
            // The same ops with one row do reach the core: the assertions above can fail.
            using Tensor x1 = b.Allocate(DType.F32, 1, 4), y1 = b.Allocate(DType.F32, 1, 3);
            b.MatMul(x1, w, null, y1);
            Assert.Contains(b.Profile.Entries, e => e.Op.StartsWith("MatMul", StringComparison.Ordinal));
        }
    }
}
