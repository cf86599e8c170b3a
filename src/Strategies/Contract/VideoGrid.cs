// PruneVid.NET — token-reduction contract.
namespace PruneVid.Strategies;

/// <summary>
/// The token grid of one video after the vision merger: <paramref name="T"/> temporal steps of
/// <paramref name="H"/> × <paramref name="W"/> merged tokens, in raster (t, h, w) order.
/// </summary>
public readonly record struct VideoGrid(int T, int H, int W)
{
    /// <summary>Tokens per temporal step (H · W).</summary>
    public int TokensPerFrame => H * W;

    /// <summary>All tokens (T · H · W).</summary>
    public int Tokens => T * H * W;

    /// <summary>Fails with a message naming the bad dimension when one is negative.</summary>
    public void Validate()
    {
        if (T < 0 || H < 0 || W < 0) throw new ArgumentOutOfRangeException(nameof(VideoGrid), $"video grid ({T}, {H}, {W}) has a negative dimension");
    }

    /// <inheritdoc />
    public override string ToString() => $"{T}x{H}x{W}";
}
