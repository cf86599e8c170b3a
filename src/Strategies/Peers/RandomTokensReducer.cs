// PruneVid.NET — peer reducers: the random baseline.
namespace PruneVid.Strategies.Peers;

/// <summary>Parameters of <see cref="RandomTokensReducer"/>.</summary>
public sealed class RandomTokensOptions
{
    /// <summary>Share of the video tokens kept.</summary>
    [BudgetKnob(BudgetKnobKind.KeptShare)]
    [Parameter(0.5, Min = 0.01, Max = 1, Description = "share of tokens kept: max(1, int(N * keep_ratio)), chosen uniformly at random")]
    public double KeepRatio { get; set; } = 0.5;

    /// <summary>Seed of the choice; the same seed keeps the same tokens.</summary>
    [Parameter(0, Min = 0, Max = int.MaxValue, Description = "random seed (the same seed keeps the same tokens)")]
    public int Seed { get; set; }
}

/// <summary>
/// The random-pruning baseline of video-pruning tables: keeps a seeded, uniformly random max(1, int(N·keep_ratio))
/// of the video tokens (partial Fisher–Yates over System.Random(seed)), in raster order with their original positions.
/// </summary>
[TokenReducer("random", Description = "Baseline: keeps a seeded uniformly random share of the video tokens, original positions.")]
public sealed class RandomTokensReducer : ITokenReducer<RandomTokensOptions>
{
    /// <inheritdoc />
    public RandomTokensOptions Options { get; init; } = new();

    /// <summary>The kept indices (ascending) of <paramref name="count"/> tokens.</summary>
    public static int[] KeptIndices(int count, double keepRatio, int seed)
    {
        if (count == 0) return [];
        int keep = Math.Clamp((int)(count * keepRatio), 1, count);
        var order = Enumerable.Range(0, count).ToArray();
        var rng = new Random(seed);
        for (int i = 0; i < keep; i++)
        {
            int j = rng.Next(i, count);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order.AsSpan(0, keep).ToArray().Order().ToArray();
    }

    /// <inheritdoc />
    public TokenReduction Reduce(VideoTokens video, ReductionContext context)
    {
        ArgumentNullException.ThrowIfNull(video);
        return PeerTokens.KeepAndAttach(video, KeptIndices(video.Count, Options.KeepRatio, Options.Seed));
    }
}
