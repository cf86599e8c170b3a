// PruneVid.NET — language model: M-RoPE positions.
using PruneVid.Strategies;

namespace PruneVid.Runtime.Model.Text;

/// <summary>Kind of a vision item in a prompt; decides which placeholder token it fills.</summary>
public enum MediaKind
{
    /// <summary>An image: <c>&lt;|image_pad|&gt;</c> placeholders, temporal position offset always 0.</summary>
    Image,
    /// <summary>A video: <c>&lt;|video_pad|&gt;</c> placeholders, temporal offset trunc(t · seconds_per_grid · tokens_per_second).</summary>
    Video,
}

/// <summary>
/// One image or video of a prompt, as M-RoPE sees it: the (t, h, w) offset (a <see cref="TokenPosition"/> relative to
/// the item's base position) of each of its placeholder tokens, in
/// placeholder order. Built from a full grid (<see cref="Image"/>, <see cref="Video"/>) or from explicit offsets
/// (<see cref="FromOffsets"/>) — after a token reducer drops tokens, the survivors keep their original offsets, so
/// their positions do not move.
/// </summary>
public sealed class MediaItem
{
    private readonly TokenPosition[] _offsets;

    private MediaItem(MediaKind kind, TokenPosition[] offsets, (int T, int H, int W)? grid)
    {
        Kind = kind;
        _offsets = offsets;
        Grid = grid;
    }

    /// <summary>Image or video.</summary>
    public MediaKind Kind { get; }

    /// <summary>The merged-token grid (t, h/merge, w/merge) when the item is a full grid; null for explicit offsets.</summary>
    public (int T, int H, int W)? Grid { get; }

    /// <summary>Number of placeholder tokens the item fills.</summary>
    public int TokenCount => _offsets.Length;

    /// <summary>Offsets of the placeholder tokens, in placeholder order.</summary>
    public ReadOnlySpan<TokenPosition> Offsets => _offsets;

    /// <summary>An image from its patch grid (HF <c>image_grid_thw</c> row); every token has temporal offset 0.</summary>
    public static MediaItem Image(int gridT, int gridH, int gridW, int spatialMergeSize) =>
        FromGrid(MediaKind.Image, gridT, gridH, gridW, spatialMergeSize, _ => 0);

    /// <summary>
    /// A video from its patch grid (HF <c>video_grid_thw</c> row). Temporal step ti gets offset
    /// trunc(ti · <paramref name="secondsPerGrid"/> · <paramref name="tokensPerSecond"/>) evaluated in f32, the
    /// reference form of HF <c>get_rope_index</c> (fps 2 gives seconds_per_grid 1.0 and offsets 0, 2, 4, …).
    /// </summary>
    public static MediaItem Video(int gridT, int gridH, int gridW, int spatialMergeSize, double secondsPerGrid, int tokensPerSecond)
    {
        if (!(secondsPerGrid > 0) || double.IsInfinity(secondsPerGrid))
            throw new ArgumentOutOfRangeException(nameof(secondsPerGrid), secondsPerGrid, "seconds per temporal grid step must be positive and finite");
        if (tokensPerSecond <= 0) throw new ArgumentOutOfRangeException(nameof(tokensPerSecond), tokensPerSecond, "tokens_per_second must be positive");
        float spg = (float)secondsPerGrid, tps = tokensPerSecond;
        // HF: arange(t) * second_per_grid_t * tokens_per_second as f32 tensors, then .long() (truncation).
        return FromGrid(MediaKind.Video, gridT, gridH, gridW, spatialMergeSize, ti => (int)(ti * spg * tps));
    }

    /// <summary>An item whose tokens carry explicit offsets (e.g. the survivors of a token reducer).</summary>
    public static MediaItem FromOffsets(MediaKind kind, IEnumerable<TokenPosition> offsets)
    {
        ArgumentNullException.ThrowIfNull(offsets);
        TokenPosition[] array = [.. offsets];
        foreach (var o in array)
            if (o.T < 0 || o.H < 0 || o.W < 0) throw new ArgumentException($"position offsets must be non-negative, got ({o.T},{o.H},{o.W})", nameof(offsets));
        return new MediaItem(kind, array, null);
    }

    /// <inheritdoc />
    public override string ToString() => Grid is { } g ? $"{Kind} grid {g.T}x{g.H}x{g.W}" : $"{Kind} with {TokenCount} explicit tokens";

    private static MediaItem FromGrid(MediaKind kind, int gridT, int gridH, int gridW, int merge, Func<int, int> temporalOffset)
    {
        if (merge <= 0) throw new ArgumentOutOfRangeException(nameof(merge), merge, "spatial merge size must be positive");
        if (gridT <= 0 || gridH <= 0 || gridW <= 0)
            throw new ArgumentException($"{kind} grid ({gridT},{gridH},{gridW}) must be positive");
        if (gridH % merge != 0 || gridW % merge != 0)
            throw new ArgumentException($"{kind} grid ({gridT},{gridH},{gridW}): h and w must be multiples of the spatial merge size {merge}");
        int gh = gridH / merge, gw = gridW / merge;
        var offsets = new TokenPosition[checked(gridT * gh * gw)];
        int n = 0;
        for (int t = 0; t < gridT; t++)
        {
            int tOffset = temporalOffset(t);
            for (int h = 0; h < gh; h++)
                for (int w = 0; w < gw; w++)
                    offsets[n++] = new TokenPosition(tOffset, h, w);
        }
        return new MediaItem(kind, offsets, (gridT, gh, gw));
    }
}
