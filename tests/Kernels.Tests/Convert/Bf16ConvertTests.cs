// PruneVid.NET — kernel tests.
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Kernels.Tests.Accelerators;

namespace PruneVid.Kernels.Tests.Convert;

/// <summary>bf16 → f32 kernel against its reference (exact); run on every accelerator through the subclasses below.</summary>
public abstract class Bf16ConvertTests(AcceleratorFixture fixture)
{
    private KernelRuntime Runtime => fixture.Runtime;

    // Zeros, one, the smallest subnormal, the largest finite, infinities and a NaN, then random words.
    private static ushort[] Words(int count)
    {
        ushort[] special = [0x0000, 0x8000, 0x3F80, 0xBF80, 0x0001, 0x7F7F, 0x7F80, 0xFF80, 0x7FC0];
        var random = new Random(count);
        return special.Concat(Enumerable.Range(0, count).Select(_ => (ushort)random.Next(0, 0x10000))).ToArray();
    }

    [AcceleratorTheory]
    [InlineData(0)]
    [InlineData(23)]
    [InlineData(1000)]
    public void MatchesReferenceBitForBit(int randomCount)
    {
        ushort[] words = Words(randomCount);
        float[] expected = new float[words.Length];
        Bf16Convert.Reference(words, expected);

        using var source = Runtime.Accelerator.Allocate1D(words);
        using var destination = Runtime.Accelerator.Allocate1D<float>(words.Length);
        Bf16Convert.LaunchToF32(Runtime, words.Length, source.View, destination.View);
        float[] actual = destination.GetAsArray1D();
        for (int i = 0; i < words.Length; i++)
        {
            if (float.IsNaN(expected[i])) Assert.True(float.IsNaN(actual[i]), $"element {i}: word 0x{words[i]:X4} should widen to NaN");
            else Assert.Equal(BitConverter.SingleToInt32Bits(expected[i]), BitConverter.SingleToInt32Bits(actual[i]));
        }
    }
}

/// <summary>The CPU reference of bf16 widening.</summary>
public sealed class Bf16ConvertReferenceTests
{
    [Fact]
    public void ReferenceWidensByShifting()
    {
        // Independent: bf16 0x3F80 is 1.0, 0xC040 is -3.0, 0x4049 is 3.140625 (the upper half of each f32).
        ushort[] words = [0x3F80, 0xC040, 0x4049, 0x0000];
        float[] y = new float[words.Length + 40];
        Bf16Convert.Reference(words.Concat(Enumerable.Repeat((ushort)0x3F80, 40)).ToArray(), y);
        Assert.Equal([1f, -3f, 3.140625f, 0f], y[..4]);
        Assert.All(y[4..], v => Assert.Equal(1f, v));
    }

    [Fact]
    public void ReferenceRejectsShortDestination()
        => Assert.Throws<ArgumentException>(() => Bf16Convert.Reference(new ushort[5], new float[4]));
}

/// <summary>bf16 widening on ILGPU's CPU accelerator.</summary>
public sealed class Bf16ConvertTestsCpu(CpuAcceleratorFixture fixture) : Bf16ConvertTests(fixture), IClassFixture<CpuAcceleratorFixture>;

/// <summary>bf16 widening on a CUDA GPU (discovered only where one exists).</summary>
[RequiresCuda]
public sealed class Bf16ConvertTestsCuda(CudaAcceleratorFixture fixture) : Bf16ConvertTests(fixture), IClassFixture<CudaAcceleratorFixture>;
