// PruneVid.NET — preprocessing tests.
using PruneVid.Runtime.Preprocessing;
using Xunit;

namespace PruneVid.Runtime.Tests.Preprocessing;

/// <summary>Invariants of the 8-bit resamplers (the torch variant is checked bit-exactly by the fixture test).</summary>
public class BicubicTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ConstantImageStaysConstantWhenShrinkingAndGrowing(bool pillow)
    {
        var src = Enumerable.Repeat((byte)173, 37 * 53 * 3).ToArray();
        foreach (var (h, w) in new[] { (20, 30), (80, 112), (37, 90) })
        {
            byte[] dst = pillow ? PillowBicubic.Resize(src, 37, 53, 3, h, w) : AntialiasedBicubic.Resize(src, 37, 53, 3, h, w);
            Assert.All(dst, v => Assert.Equal(173, v));
        }
    }

    [Fact]
    public void SameSizeIsACopy()
    {
        var src = Enumerable.Range(0, 7 * 9 * 3).Select(i => (byte)(i * 37)).ToArray();
        Assert.Equal(src, PillowBicubic.Resize(src, 7, 9, 3, 7, 9));
        Assert.Equal(src, AntialiasedBicubic.Resize(src, 7, 9, 3, 7, 9));
    }

    [Fact]
    public void HalvingAveragesOverTheWidenedKernel()
    {
        // A 1-pixel checkerboard column pattern (0,255,0,255,…) halved: every output sees a symmetric window of
        // both values, so it lands near the mean (127.5) instead of aliasing to 0 or 255.
        var src = new byte[4 * 16];
        for (int y = 0; y < 4; y++) for (int x = 0; x < 16; x++) src[y * 16 + x] = (byte)(x % 2 == 0 ? 0 : 255);
        byte[] dst = PillowBicubic.Resize(src, 4, 16, 1, 4, 8);
        Assert.All(dst.Skip(1).Take(6), v => Assert.InRange((int)v, 110, 145));
    }

    [Fact]
    public void TorchWeightsFitInt16AndPillowUses22Bits()
    {
        var torch = SeparableBicubic.ComputeTaps(240, 252, SeparableBicubic.Precision.TorchInt16);
        Assert.All(torch.Coefficients, c => Assert.InRange(c, short.MinValue, short.MaxValue));
        Assert.True(torch.Bits >= 14, $"torch precision {torch.Bits}");
        Assert.Equal(22, SeparableBicubic.ComputeTaps(240, 252, SeparableBicubic.Precision.Pillow).Bits);
    }
}
