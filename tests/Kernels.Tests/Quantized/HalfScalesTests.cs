// PruneVid.NET — kernel tests: f16 scales widened to f32 without F16C.
using PruneVid.Kernels.Quantized;

namespace PruneVid.Kernels.Tests.Quantized;

/// <summary><see cref="HalfScales"/> against .NET's own <c>(float)Half</c> over every finite f16 bit pattern.</summary>
public sealed class HalfScalesTests
{
    private static Half[] EveryFiniteHalf() => Enumerable.Range(0, 1 << 16)
        .Select(i => BitConverter.UInt16BitsToHalf((ushort)i)).Where(Half.IsFinite).ToArray();

    [Fact]
    public void EveryFiniteHalfWidensToTheSameSingleAsTheRuntime()
    {
        Half[] halves = EveryFiniteHalf();
        var widened = new float[halves.Length + 3];
        HalfScales.Widen(halves, widened);
        for (int i = 0; i < halves.Length; i++)
        {
            float expected = (float)halves[i];
            Assert.Equal(BitConverter.SingleToUInt32Bits(expected), BitConverter.SingleToUInt32Bits(widened[i]));
            Assert.Equal(BitConverter.SingleToUInt32Bits(expected), BitConverter.SingleToUInt32Bits(HalfScales.ToSingle(BitConverter.HalfToUInt16Bits(halves[i]))));
        }
    }

    [Fact]
    public unsafe void EveryZeroAndNormalHalfWidensExactlyOnTheFastPath()
    {
        if (!System.Runtime.Intrinsics.X86.Avx512F.IsSupported) return; // the fast path is an AVX-512 kernel helper
        ushort[] patterns = Enumerable.Range(0, 1 << 16).Select(i => (ushort)i)
            .Where(b => (b & 0x7FFF) is 0 or (>= 0x0400 and < 0x7C00)).ToArray();
        Assert.Equal(2 + 2 * 30 * 1024, patterns.Length); // ±0 and every normal of both signs
        fixed (ushort* p = patterns)
            for (int i = 0; i + 16 <= patterns.Length; i += 16)
            {
                System.Runtime.Intrinsics.Vector512<float> widened = HalfScales.WidenNormal16(p + i);
                for (int j = 0; j < 16; j++)
                    Assert.Equal(BitConverter.SingleToUInt32Bits((float)BitConverter.UInt16BitsToHalf(patterns[i + j])), BitConverter.SingleToUInt32Bits(widened[j]));
            }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    [InlineData(37)]
    public unsafe void WideningAGroupRowGivesEachScaleAndItsNegativeZeroProduct(int groups)
    {
        var random = new Random(groups + 100);
        Half[] halves = Enumerable.Range(0, groups).Select(_ => (Half)(random.NextSingle() * 0.01f)).ToArray();
        halves[0] = BitConverter.UInt16BitsToHalf(0x0003); // a subnormal scale
        byte[] zeros = Enumerable.Range(0, groups).Select(_ => (byte)random.Next(256)).ToArray();
        var scales = new float[groups];
        var products = new float[groups];
        fixed (Half* h = halves) fixed (byte* z = zeros) fixed (float* s = scales) fixed (float* p = products)
            HalfScales.WidenGroups((ushort*)h, z, s, p, groups);
        for (int g = 0; g < groups; g++)
        {
            Assert.Equal((float)halves[g], scales[g]);
            Assert.Equal(-(double)zeros[g] * (float)halves[g], products[g]);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(13)]
    [InlineData(40)]
    public void NegativeZeroScalesAreTheExactProducts(int groups)
    {
        var random = new Random(groups);
        byte[] zeros = Enumerable.Range(0, groups).Select(_ => (byte)random.Next(256)).ToArray();
        float[] scales = Enumerable.Range(0, groups).Select(_ => (float)(Half)(random.NextSingle() * 0.1f)).ToArray();
        var products = new float[groups];
        HalfScales.NegativeProducts(zeros, scales, products);
        for (int g = 0; g < groups; g++) Assert.Equal(-(double)zeros[g] * scales[g], products[g]); // exact in f32
    }
}
