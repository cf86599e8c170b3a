// PruneVid.NET — preprocessing tests.
using PruneVid.Runtime.Preprocessing;
using Xunit;

namespace PruneVid.Runtime.Tests.Preprocessing;

public class SmartResizeTests
{
    [Theory]
    // Worked examples from docs/model.md §5.2 and the fixture's processor settings.
    [InlineData(600, 1000, 3136, 12845056, 588, 1008)]
    [InlineData(720, 1280, 100352, 602112, 560, 1008)]
    [InlineData(252, 420, 100352, 602112, 252, 420)]
    [InlineData(240, 400, 100352, 602112, 252, 420)]   // below min_pixels: scaled up, then ceil to 28
    // round(h/28) ties go to even: 42/28 = 1.5 → 2, 70/28 = 2.5 → 2.
    [InlineData(42, 70, 1, 1_000_000, 56, 56)]
    [InlineData(10, 10, 1, 1_000_000, 28, 28)]          // never below one unit
    [InlineData(1080, 1920, 100352, 602112, 560, 1008)] // above max_pixels: scaled down, floor to 28
    public void MatchesWorkedExamples(int h, int w, long min, long max, int eh, int ew) =>
        Assert.Equal((eh, ew), SmartResize.Compute(h, w, 28, min, max));

    [Fact]
    public void ExtremeAspectRatioIsRejectedWithTheRatio()
    {
        var ex = Assert.Throws<ArgumentException>(() => SmartResize.Compute(10, 2100, 28, 3136, 12845056));
        Assert.Contains("aspect ratio", ex.Message);
    }
}
