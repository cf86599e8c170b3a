// PruneVid.NET — language model tests: M-RoPE positions.
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Config;
using PruneVid.Runtime.Model.Text;
using Xunit;

namespace PruneVid.Model.Tests.Text;

/// <summary>Hand-worked cases of the reference position algorithm (docs/model.md §4.2), plus the fixture's positions.</summary>
public sealed class MRopePositionsTests
{
    private const int Img = 900, Vid = 901, VS = 800, VE = 801;
    private static readonly PlaceholderIds Ids = new(Img, Vid);

    private static int[] Repeat(int id, int count) => Enumerable.Repeat(id, count).ToArray();

    private static void AssertPositions(MRopePositions p, int[] t, int[] h, int[] w)
    {
        Assert.Equal(t, p.Values[..p.Length]);
        Assert.Equal(h, p.Values[p.Length..(2 * p.Length)]);
        Assert.Equal(w, p.Values[(2 * p.Length)..]);
    }

    [Fact]
    public void TextOnlyPromptIsOneDimensional()
    {
        int[] ids = [5, 6, 7, 8, 9];
        var p = MRopePositions.Compute(ids, [], Ids);
        int[] expected = [0, 1, 2, 3, 4];
        AssertPositions(p, expected, expected, expected);
        Assert.Equal(0, p.RopeDelta);
        Assert.Equal(5, p.NextPosition);
    }

    [Fact]
    public void ImageThenVideoThenText()
    {
        // Image grid (1,4,6) → 2×3 tokens; video grid (4,2,4) → 4 steps of 1×2 tokens, spg 1, tps 2 → t offsets 0,2,4,6.
        int[] ids = [10, 11, VS, .. Repeat(Img, 6), VE, 12, VS, .. Repeat(Vid, 8), VE, 13, 14];
        var media = new[] { MediaItem.Image(1, 4, 6, 2), MediaItem.Video(4, 2, 4, 2, 1.0, 2) };
        var p = MRopePositions.Compute(ids, media, Ids);
        // Worked by hand: text 0,1,2; image base 3 (next 3+2+1 = 6); text 6,7,8; video base 9 (next 9+6+1 = 16); text 16,17,18.
        AssertPositions(p,
            t: [0, 1, 2, 3, 3, 3, 3, 3, 3, 6, 7, 8, 9, 9, 11, 11, 13, 13, 15, 15, 16, 17, 18],
            h: [0, 1, 2, 3, 3, 3, 4, 4, 4, 6, 7, 8, 9, 9, 9, 9, 9, 9, 9, 9, 16, 17, 18],
            w: [0, 1, 2, 3, 4, 5, 3, 4, 5, 6, 7, 8, 9, 10, 9, 10, 9, 10, 9, 10, 16, 17, 18]);
        Assert.Equal(19 - 23, p.RopeDelta);
    }

    [Fact]
    public void TwoVideosWithDifferentSecondsPerGrid()
    {
        // A: grid (2,4,4), spg 1 → t offsets 0,2, 2×2 tokens per step. B: grid (2,2,2), spg 2 → t offsets 0,4, one token per step.
        int[] ids = [VS, .. Repeat(Vid, 8), VE, VS, .. Repeat(Vid, 2), VE, 7];
        var media = new[] { MediaItem.Video(2, 4, 4, 2, 1.0, 2), MediaItem.Video(2, 2, 2, 2, 2.0, 2) };
        var p = MRopePositions.Compute(ids, media, Ids);
        AssertPositions(p,
            t: [0, 1, 1, 1, 1, 3, 3, 3, 3, 4, 5, 6, 10, 11, 12],
            h: [0, 1, 1, 2, 2, 1, 1, 2, 2, 4, 5, 6, 6, 11, 12],
            w: [0, 1, 2, 1, 2, 1, 2, 1, 2, 4, 5, 6, 6, 11, 12]);
        Assert.Equal(13 - 15, p.RopeDelta);
    }

    [Theory]
    [InlineData(0.75, new[] { 0, 1, 3, 4 })]  // ti·1.5 → 0, 1.5, 3, 4.5 truncated
    [InlineData(0.3, new[] { 0, 0, 1, 1 })]   // f32: 0.6, 1.2, 1.8000001
    [InlineData(0.25, new[] { 0, 0, 1, 1 })]  // fps 8: the 4.5x int cast would give 0 everywhere
    [InlineData(2.5, new[] { 0, 5, 10, 15 })]
    public void FractionalSecondsPerGridTruncateInF32(double spg, int[] offsets)
    {
        int[] ids = [5, VS, .. Repeat(Vid, 4), VE];
        var p = MRopePositions.Compute(ids, [MediaItem.Video(4, 2, 2, 2, spg, 2)], Ids);
        int[] t = [0, 1, .. offsets.Select(o => 2 + o), 2 + offsets.Max() + 1];
        AssertPositions(p, t, [0, 1, 2, 2, 2, 2, t[^1]], [0, 1, 2, 2, 2, 2, t[^1]]);
    }

    [Fact]
    public void ExplicitOffsetsOfTheFullGridGiveTheGridResult()
    {
        int[] ids = [1, VS, .. Repeat(Vid, 3 * 2 * 3), VE, 2, VS, .. Repeat(Img, 6), VE, 3];
        var video = MediaItem.Video(3, 4, 6, 2, 0.75, 2);
        var image = MediaItem.Image(1, 4, 6, 2);
        var fromGrid = MRopePositions.Compute(ids, [video, image], Ids);
        var explicitItems = new[]
        {
            MediaItem.FromOffsets(MediaKind.Video, video.Offsets.ToArray()),
            MediaItem.FromOffsets(MediaKind.Image, image.Offsets.ToArray()),
        };
        var fromOffsets = MRopePositions.Compute(ids, explicitItems, Ids);
        Assert.Equal(fromGrid.Values, fromOffsets.Values);
        Assert.Equal(fromGrid.RopeDelta, fromOffsets.RopeDelta);
    }

    [Fact]
    public void KeptTokensKeepTheirPositionsAndTextContinuesAfterTheirMaximum()
    {
        // Video grid (2,4,4): tokens (t,h,w) offsets ti∈{0,2}, hi,wi∈{0,1}. Keep tokens 0 and 5 → offsets (0,0,0), (2,0,1).
        var full = MediaItem.Video(2, 4, 4, 2, 1.0, 2);
        var pruned = MediaItem.FromOffsets(MediaKind.Video, [full.Offsets[0], full.Offsets[5]]);
        int[] ids = [VS, Vid, Vid, VE, 9];
        var p = MRopePositions.Compute(ids, [pruned], Ids);
        AssertPositions(p, t: [0, 1, 3, 4, 5], h: [0, 1, 1, 4, 5], w: [0, 1, 2, 4, 5]);

        int[] fullIds = [VS, .. Repeat(Vid, 8), VE, 9];
        var all = MRopePositions.Compute(fullIds, [full], Ids);
        foreach (var (kept, original) in new[] { (1, 1), (2, 6) })
            for (int s = 0; s < 3; s++) Assert.Equal(all[s, original], p[s, kept]);
    }

    [Fact]
    public void PlaceholderCountMismatchesAreReported()
    {
        var video = MediaItem.Video(2, 2, 2, 2, 1.0, 2); // 2 tokens
        var tooMany = Assert.Throws<ArgumentException>(() => MRopePositions.Compute([VS, Vid, Vid, Vid, VE], [video], Ids));
        Assert.Contains("placeholder", tooMany.Message);
        var tooFew = Assert.Throws<ArgumentException>(() => MRopePositions.Compute([VS, Vid, VE], [video], Ids));
        Assert.Contains("contiguous", tooFew.Message);
        var noItem = Assert.Throws<ArgumentException>(() => MRopePositions.Compute([VS, Img, VE], [video], Ids));
        Assert.Contains("image", noItem.Message);
        var unused = Assert.Throws<ArgumentException>(() => MRopePositions.Compute([1, 2], [video], Ids));
        Assert.Contains("no placeholders", unused.Message);
    }

    [Fact]
    public void FixturePositionsAndRopeDeltaMatchExactly()
    {
        string dir = FixturePaths.Get("tiny-qwen25vl");
        var config = Qwen25VLConfig.Load(dir);
        using var reference = SafeTensorsFile.Open(Path.Combine(dir, "reference.safetensors"));
        int[] ids = reference.ReadI64("input_ids").Select(v => (int)v).ToArray();
        long[] grid = reference.ReadI64("video_grid_thw");
        var video = MediaItem.Video((int)grid[0], (int)grid[1], (int)grid[2], config.Vision.SpatialMergeSize, 1.0, config.Vision.TokensPerSecond);
        var p = MRopePositions.Compute(ids, [video], new PlaceholderIds(config.ImageTokenId, config.VideoTokenId));
        Assert.Equal(reference.ReadI64("position_ids"), p.Values.Select(v => (long)v).ToArray());
        Assert.Equal(reference.ReadI64("rope_deltas")[0], p.RopeDelta);
    }
}
