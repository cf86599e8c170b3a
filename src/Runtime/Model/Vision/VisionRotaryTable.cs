// PruneVid.NET — vision tower.
namespace PruneVid.Runtime.Model.Vision;

/// <summary>
/// The ViT's 2-D rotary table (docs/model.md §3.2, §7.1), in f32 as the reference keeps it: with d = headDim/2,
/// <c>inv_freq[i] = 1 / 10000^(2i/d)</c> for i &lt; d/2; a patch at (row, col) of its frame's patch grid gets the
/// angles <c>[row·inv_freq, col·inv_freq]</c> (d values), repeated twice to fill the head (rotate-half pairing).
/// </summary>
public static class VisionRotaryTable
{
    /// <summary>The vision tower's rotary base (fixed in the reference, not in the config).</summary>
    public const float Theta = 10000f;

    /// <summary>The d/2 inverse frequencies, computed step by step in f32 like the reference buffer.</summary>
    public static float[] InverseFrequencies(int headDim)
    {
        if (headDim <= 0 || headDim % 4 != 0) throw new ArgumentException($"vision head dim {headDim} must be a positive multiple of 4 (two axes × rotate-half)", nameof(headDim));
        int dim = headDim / 2;
        var inv = new float[dim / 2];
        for (int i = 0; i < inv.Length; i++)
        {
            float exponent = (float)(2 * i) / dim;
            inv[i] = 1f / MathF.Pow(Theta, exponent);
        }
        return inv;
    }

    /// <summary>
    /// (row, col) of every patch in <c>pixel_values</c> order: items concatenated, each frame pair enumerated as
    /// (block row, block col, row in unit, col in unit) so that every merge² consecutive rows form one merge unit.
    /// </summary>
    public static (int Row, int Col)[] PatchPositions(IReadOnlyList<(int T, int H, int W)> grids, int spatialMergeSize)
    {
        VisionGrids.Validate(grids, spatialMergeSize);
        int m = spatialMergeSize;
        var positions = new (int, int)[VisionGrids.PatchCount(grids)];
        int n = 0;
        foreach (var (t, h, w) in grids)
            for (int ti = 0; ti < t; ti++)
            for (int bh = 0; bh < h / m; bh++)
            for (int bw = 0; bw < w / m; bw++)
            for (int mh = 0; mh < m; mh++)
            for (int mw = 0; mw < m; mw++)
                positions[n++] = (bh * m + mh, bw * m + mw);
        return positions;
    }

    /// <summary>
    /// cos and sin tables [patches, headDim] (row-major f32) for the patches in <paramref name="patchOrder"/> order
    /// (e.g. <see cref="VisionWindowLayout.PatchOrder"/>; identity gives pixel_values order).
    /// </summary>
    public static (float[] Cos, float[] Sin) Build(IReadOnlyList<(int T, int H, int W)> grids, int spatialMergeSize, int headDim, ReadOnlySpan<int> patchOrder)
    {
        float[] inv = InverseFrequencies(headDim);
        var positions = PatchPositions(grids, spatialMergeSize);
        if (patchOrder.Length != positions.Length)
            throw new ArgumentException($"patch order has {patchOrder.Length} entries, the grids hold {positions.Length} patches", nameof(patchOrder));
        int half = headDim / 2, quarter = inv.Length;
        var cos = new float[positions.Length * headDim];
        var sin = new float[cos.Length];
        var angles = new float[half];
        for (int r = 0; r < patchOrder.Length; r++)
        {
            int p = patchOrder[r];
            if ((uint)p >= (uint)positions.Length) throw new ArgumentException($"patch order entry {r} = {p} is outside 0..{positions.Length - 1}", nameof(patchOrder));
            var (row, col) = positions[p];
            // f32 products, as torch.outer over f32 positions and inv_freq.
            for (int i = 0; i < quarter; i++)
            {
                angles[i] = row * inv[i];
                angles[quarter + i] = col * inv[i];
            }
            var c = cos.AsSpan(r * headDim, headDim);
            var s = sin.AsSpan(r * headDim, headDim);
            for (int d = 0; d < half; d++)
            {
                c[d] = c[d + half] = MathF.Cos(angles[d]);
                s[d] = s[d + half] = MathF.Sin(angles[d]);
            }
        }
        return (cos, sin);
    }
}
