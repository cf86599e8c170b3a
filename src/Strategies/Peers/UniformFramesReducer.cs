// PruneVid.NET — peer reducers: the uniform temporal baseline.
namespace PruneVid.Strategies.Peers;

/// <summary>Parameters of <see cref="UniformFramesReducer"/>.</summary>
public sealed class UniformFramesOptions
{
    /// <summary>Keep temporal steps 0, stride, 2·stride, …</summary>
    [Parameter(2, Min = 1, Max = 16, Description = "keep every stride-th temporal step, starting with step 0")]
    public int Stride { get; set; } = 2;
}

/// <summary>
/// The uniform frame-sampling baseline of video-pruning tables: keeps whole temporal steps 0, stride, 2·stride, … with
/// their original positions; a dropped token is covered by the same cell of the kept step before it.
/// </summary>
[TokenReducer("uniform-frames", Description = "Baseline: keeps every stride-th temporal step whole (uniform frame sampling), original positions.")]
public sealed class UniformFramesReducer : ITokenReducer<UniformFramesOptions>
{
    /// <inheritdoc />
    public UniformFramesOptions Options { get; init; } = new();

    /// <summary>The kept token indices (ascending) for <paramref name="grid"/>.</summary>
    public static int[] KeptIndices(VideoGrid grid, int stride)
    {
        if (stride < 1) throw new ArgumentOutOfRangeException(nameof(stride), $"uniform-frames stride must be at least 1, got {stride}");
        int p = grid.TokensPerFrame;
        return Enumerable.Range(0, grid.T).Where(t => t % stride == 0).SelectMany(t => Enumerable.Range(t * p, p)).ToArray();
    }

    /// <inheritdoc />
    public TokenReduction Reduce(VideoTokens video, ReductionContext context)
    {
        ArgumentNullException.ThrowIfNull(video);
        return PeerTokens.KeepAndAttach(video, KeptIndices(video.Grid, Options.Stride));
    }
}
