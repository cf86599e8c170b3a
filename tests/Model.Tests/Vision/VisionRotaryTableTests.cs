// PruneVid.NET — model tests.
using PruneVid.Runtime.Model.Vision;
using Xunit;

namespace PruneVid.Model.Tests.Vision;

/// <summary>The 2-D rotary table (docs/model.md §3.2): frequencies, patch positions and the angle layout.</summary>
public sealed class VisionRotaryTableTests
{
    [Fact]
    public void InverseFrequenciesFollowTheta10000OverHalfTheHead()
    {
        // Head 80 → rotary dim 40 → 20 frequencies 10000^(−2i/40).
        float[] inv = VisionRotaryTable.InverseFrequencies(80);
        Assert.Equal(20, inv.Length);
        for (int i = 0; i < inv.Length; i++)
            Assert.Equal(Math.Pow(10000, -2.0 * i / 40), inv[i], 1e-6 * Math.Pow(10000, -2.0 * i / 40));
        Assert.Equal(1f, inv[0]);
        Assert.Equal(0.63095734, inv[1], 1e-7);
        Assert.Throws<ArgumentException>(() => VisionRotaryTable.InverseFrequencies(18));
    }

    [Fact]
    public void PatchPositionsFollowMergeUnitOrder()
    {
        var pos = VisionRotaryTable.PatchPositions([(2, 4, 6)], 2);
        Assert.Equal(48, pos.Length);
        Assert.Equal([(0, 0), (0, 1), (1, 0), (1, 1), (0, 2), (0, 3), (1, 2), (1, 3)], pos[..8]);
        Assert.Equal((2, 0), pos[12]); // unit (1, 0) starts the second unit row
        Assert.Equal(pos[..24], pos[24..]); // repeated per temporal step
    }

    [Fact]
    public void AnglesAreRowThenColumnRepeatedForRotateHalf()
    {
        // Head 16: rotary dim 8, frequencies 10000^(−i/4) = 1, 0.1, 0.01, 0.001.
        var grids = new[] { (1, 4, 4) };
        int[] identity = [.. Enumerable.Range(0, 16)];
        var (cos, sin) = VisionRotaryTable.Build(grids, 2, 16, identity);
        // Patch 13 is unit 3 (bh 1, bw 1), sub (0, 1) → row 2, col 3.
        var c = cos.AsSpan(13 * 16, 16);
        var s = sin.AsSpan(13 * 16, 16);
        // Dims 0..3: row·[1, 0.1, 0.01, 0.001]; dims 4..7: col·[…]; dims 8..15 repeat 0..7.
        double[] inv = [1, 0.1, 0.01, 0.001];
        for (int d = 0; d < 8; d++)
        {
            double angle = (d < 4 ? 2 : 3) * inv[d % 4];
            Assert.Equal(Math.Cos(angle), c[d], 1e-6);
            Assert.Equal(Math.Sin(angle), s[d], 1e-6);
            Assert.Equal(c[d], c[d + 8]);
            Assert.Equal(s[d], s[d + 8]);
        }
        // A permuted order moves whole rows.
        int[] reversed = [.. identity.Reverse()];
        var (cosR, _) = VisionRotaryTable.Build(grids, 2, 16, reversed);
        Assert.Equal(cos.AsSpan(13 * 16, 16).ToArray(), cosR.AsSpan(2 * 16, 16).ToArray());
    }
}
