// PruneVid.NET — kernel tests: the ConvertToBf16 op on every backend.
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Kernels.Tests.Accelerators;

namespace PruneVid.Kernels.Tests.Convert;

/// <summary>F32 → BF16 rounding where the tensors live, against <see cref="Bf16.FromSingle"/> (nearest, ties to even).</summary>
public abstract class ConvertToBf16Tests : IDisposable
{
    protected abstract ComputeBackend Backend { get; }

    public abstract void Dispose();

    [Theory]
    [InlineData(1)]
    [InlineData(37)]
    [InlineData(4099)]
    public void RoundsEveryValueToNearestEven(int count)
    {
        var b = Backend;
        float[] values = Numerics.Uniform(count, count, -3f, 3f);
        // Exact ties (round to even, down and up), a value just past a tie, −0, infinities, NaN, a subnormal, max.
        float[] special = [BitConverter.Int32BitsToSingle(0x3F80_8000), BitConverter.Int32BitsToSingle(0x3F81_8000),
            BitConverter.Int32BitsToSingle(0x3F80_8001), -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN,
            BitConverter.Int32BitsToSingle(0x0000_8001), float.MaxValue];
        special.AsSpan(0, Math.Min(count, special.Length)).CopyTo(values);
        using Tensor source = b.FromF32(values, count), destination = b.Allocate(DType.BF16, count), widened = b.Allocate(DType.F32, count);
        b.ConvertToBf16(source, destination);
        b.ConvertToF32(destination, widened);

        var actual = new float[count];
        b.CopyToHost(widened, actual);
        Assert.Equal(values.Select(v => (int)Bf16.FromSingle(v) << 16), actual.Select(BitConverter.SingleToInt32Bits));
        if (count >= special.Length)
        {
            Assert.Equal(0x3F80_0000, BitConverter.SingleToInt32Bits(actual[0])); // tie, even below
            Assert.Equal(0x3F82_0000, BitConverter.SingleToInt32Bits(actual[1])); // tie, even above
            Assert.Equal(0x3F81_0000, BitConverter.SingleToInt32Bits(actual[2])); // past the tie
            Assert.True(float.IsNaN(actual[6]));
            Assert.True(float.IsPositiveInfinity(actual[8])); // max f32 rounds past the largest bf16
        }
    }

    [Fact]
    public void RejectsWrongDtypesAndLengths()
    {
        var b = Backend;
        using Tensor bf16 = b.Allocate(DType.BF16, 4), f32 = b.Allocate(DType.F32, 4), shorter = b.Allocate(DType.BF16, 3);
        Assert.Contains("ConvertToBf16: source must be F32", Assert.Throws<ArgumentException>(() => b.ConvertToBf16(bf16, bf16)).Message);
        Assert.Contains("ConvertToBf16: destination must be BF16", Assert.Throws<ArgumentException>(() => b.ConvertToBf16(f32, f32)).Message);
        Assert.Contains("ConvertToBf16", Assert.Throws<ArgumentException>(() => b.ConvertToBf16(f32, shorter)).Message);
    }
}

/// <summary>ConvertToBf16 on the Cpu backend.</summary>
public sealed class ConvertToBf16TestsCpuBackend : ConvertToBf16Tests
{
    private readonly CpuBackend _backend = new();
    protected override ComputeBackend Backend => _backend;
    public override void Dispose() => _backend.Dispose();
}

/// <summary>ConvertToBf16 on the ILGPU backend over ILGPU's CPU accelerator.</summary>
public sealed class ConvertToBf16TestsIlgpuCpu : ConvertToBf16Tests, IClassFixture<CpuAcceleratorFixture>
{
    private readonly IlgpuBackend _backend;
    public ConvertToBf16TestsIlgpuCpu(CpuAcceleratorFixture fixture) => _backend = new IlgpuBackend(fixture.Runtime);
    protected override ComputeBackend Backend => _backend;
    public override void Dispose() => _backend.Dispose();
}
