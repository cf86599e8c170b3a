// PruneVid.NET — model tests.
using PruneVid.Runtime.Model.Vision;
using Xunit;

namespace PruneVid.Model.Tests.Vision;

/// <summary>The window partition of docs/model.md §3.3 with merge 2 and 4×4-unit windows (window 112 px, patch 14).</summary>
public sealed class VisionWindowIndexTests
{
    private const int Merge = 2, Window = 4, Unit = Merge * Merge;

    private static VisionWindowLayout Compute(params (int T, int H, int W)[] grids) => VisionWindowIndex.Compute(grids, Merge, Window);

    private static int[] Diffs(int[] cu) => [.. cu.Zip(cu.Skip(1), (a, b) => b - a)];

    [Fact]
    public void WorkedExample560x1008FrameHas45FullWindows()
    {
        // 560×1008 px → 40×72 patches → 20×36 units; padding to 24×40 gives 6×10 windows, of which 5×9 hold units.
        var layout = Compute((1, 40, 72));
        Assert.Equal(46, layout.CuWindowSeqLens.Length);
        Assert.All(Diffs(layout.CuWindowSeqLens), d => Assert.Equal(64, d));
        Assert.Equal(2880, layout.CuWindowSeqLens[^1]);
        Assert.Equal([0, 2880], layout.CuFullSeqLens);
        // First window: units (y, x) for y, x in 0..3, row-major, unit index y·36 + x.
        int[] first = [.. Enumerable.Range(0, 16).Select(i => i / 4 * 36 + i % 4)];
        Assert.Equal(first, layout.WindowIndex[..16]);
        // Second window starts at unit (0, 4).
        Assert.Equal(4, layout.WindowIndex[16]);
        // The last window is the bottom-right 4×4 block: units (16..19, 32..35).
        int[] last = [.. Enumerable.Range(0, 16).Select(i => (16 + i / 4) * 36 + 32 + i % 4)];
        Assert.Equal(last, layout.WindowIndex[^16..]);
    }

    [Fact]
    public void GridThatDoesNotDivideGetsPartialWindows()
    {
        // The fixture clip: (4, 18, 30) patches → 9×15 units per frame pair: windows 3 high × 4 wide with unit
        // heights 4,4,1 and widths 4,4,4,3.
        var layout = Compute((4, 18, 30));
        int[] heights = [4, 4, 1], widths = [4, 4, 4, 3];
        int[] perFrame = [.. heights.SelectMany(hh => widths.Select(ww => hh * ww * Unit))];
        int[] expected = [.. Enumerable.Repeat(perFrame, 4).SelectMany(x => x)];
        Assert.Equal(expected, Diffs(layout.CuWindowSeqLens));
        Assert.Equal([0, 540, 1080, 1620, 2160], layout.CuFullSeqLens);
        Assert.Equal(540, layout.UnitCount);
        // Window (row 0, col 3) of frame pair 0 holds columns 12..14 of rows 0..3.
        int start = 3 * 16;
        int[] window03 = [.. Enumerable.Range(0, 12).Select(i => i / 3 * 15 + 12 + i % 3)];
        Assert.Equal(window03, layout.WindowIndex[start..(start + 12)]);
        // The second frame pair starts with unit 135.
        Assert.Equal(135, layout.WindowIndex[135]);
    }

    [Fact]
    public void SeveralItemsAreLaidOutOneAfterAnother()
    {
        // Item 0: one 2×2-unit frame pair (one window). Item 1: two frame pairs of 1×3 units. Item 2: 5×5 units
        // → windows of 4×4, 4×1, 1×4, 1×1 units.
        var layout = Compute((1, 4, 4), (2, 2, 6), (1, 10, 10));
        Assert.Equal([16, 12, 12, 64, 16, 16, 4], Diffs(layout.CuWindowSeqLens));
        Assert.Equal([0, 16, 28, 40, 140], layout.CuFullSeqLens);
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], layout.WindowIndex[..10]);
        // Item 2 starts at unit 10; its second window is column 4 of rows 0..3.
        Assert.Equal([10, 11, 12, 13, 15], layout.WindowIndex[10..15]);
        Assert.Equal([14, 19, 24, 29], layout.WindowIndex[26..30]);
        Assert.Equal(34, layout.WindowIndex[^1]);
    }

    [Fact]
    public void EmptyPaddingWindowsAreDropped()
    {
        // 4×4 units divide into one window, but the reference padding adds a full extra row and column of windows:
        // 2×2 windows, three of them empty. No zero-length segment may remain.
        var layout = Compute((2, 8, 8));
        Assert.Equal([0, 64, 128], layout.CuWindowSeqLens);
        Assert.Equal([0, 64, 128], layout.CuFullSeqLens);
        Assert.Equal(Enumerable.Range(0, 32), layout.WindowIndex);
        var large = Compute((1, 16, 24)); // 8×12 units: 3×4 windows, 2×3 non-empty
        Assert.Equal(7, large.CuWindowSeqLens.Length);
        Assert.All(Diffs(large.CuWindowSeqLens), d => Assert.Equal(64, d));
    }

    [Fact]
    public void WindowIndexIsAPermutationAndReverseIndexInvertsIt()
    {
        var layout = Compute((3, 18, 30), (1, 40, 72), (2, 6, 10));
        Assert.Equal(Enumerable.Range(0, layout.UnitCount), layout.WindowIndex.Order());
        int[] reverse = layout.ReverseIndex();
        for (int i = 0; i < reverse.Length; i++) Assert.Equal(i, layout.WindowIndex[reverse[i]]);
        int[] order = layout.PatchOrder();
        Assert.Equal(layout.PatchCount, order.Length);
        Assert.Equal([layout.WindowIndex[1] * 4, layout.WindowIndex[1] * 4 + 1, layout.WindowIndex[1] * 4 + 2, layout.WindowIndex[1] * 4 + 3], order[4..8]);
        Assert.Equal(layout.PatchCount, layout.CuWindowSeqLens[^1]);
    }

    [Theory]
    [InlineData(0, 4, 4)]
    [InlineData(1, 3, 4)]
    [InlineData(1, 4, 5)]
    public void BadGridsAreRejected(int t, int h, int w)
    {
        var e = Assert.Throws<ArgumentException>(() => Compute((t, h, w)));
        Assert.Contains("grid_thw[0]", e.Message);
    }
}
