// PruneVid.NET — kernel tests: the ConvertToF32 op on every backend.
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Kernels.Tests.Accelerators;

namespace PruneVid.Kernels.Tests.Convert;

/// <summary>BF16 → F32 widening where the tensors live, against <see cref="Bf16.ToSingle(ushort)"/> (exact).</summary>
public abstract class ConvertToF32Tests : IDisposable
{
    protected abstract ComputeBackend Backend { get; }

    public abstract void Dispose();

    [Theory]
    [InlineData(1)]
    [InlineData(37)]
    [InlineData(4099)]
    public void WidensEveryWordExactlyWithoutTransfers(int count)
    {
        var b = Backend;
        ushort[] words = Numerics.UniformBf16(count, count, -3f, 3f);
        words[0] = 0x8000; // −0 keeps its sign
        using Tensor source = b.FromBf16(words, count), destination = b.Allocate(DType.F32, count);
        CounterSnapshot before = b.Counters.Snapshot();
        b.ConvertToF32(source, destination);
        CounterSnapshot used = b.Counters.Snapshot() - before;
        Assert.Equal(0, used.HostToDevice + used.DeviceToHost + used.Allocations);

        var actual = new float[count];
        b.CopyToHost(destination, actual);
        Assert.Equal(words.Select(Bf16.ToSingle).Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void RejectsWrongDtypesAndLengths()
    {
        var b = Backend;
        using Tensor bf16 = b.Allocate(DType.BF16, 4), f32 = b.Allocate(DType.F32, 4), shorter = b.Allocate(DType.F32, 3);
        Assert.Contains("ConvertToF32: source must be BF16", Assert.Throws<ArgumentException>(() => b.ConvertToF32(f32, f32)).Message);
        Assert.Contains("ConvertToF32: destination must be F32", Assert.Throws<ArgumentException>(() => b.ConvertToF32(bf16, bf16)).Message);
        Assert.Contains("ConvertToF32", Assert.Throws<ArgumentException>(() => b.ConvertToF32(bf16, shorter)).Message);
    }
}

/// <summary>ConvertToF32 on the Cpu backend.</summary>
public sealed class ConvertToF32TestsCpuBackend : ConvertToF32Tests
{
    private readonly CpuBackend _backend = new();
    protected override ComputeBackend Backend => _backend;
    public override void Dispose() => _backend.Dispose();
}

/// <summary>ConvertToF32 on the ILGPU backend over ILGPU's CPU accelerator.</summary>
public sealed class ConvertToF32TestsIlgpuCpu : ConvertToF32Tests, IClassFixture<CpuAcceleratorFixture>
{
    private readonly IlgpuBackend _backend;
    public ConvertToF32TestsIlgpuCpu(CpuAcceleratorFixture fixture) => _backend = new IlgpuBackend(fixture.Runtime);
    protected override ComputeBackend Backend => _backend;
    public override void Dispose() => _backend.Dispose();
}
