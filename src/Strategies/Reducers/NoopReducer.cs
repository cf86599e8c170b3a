// PruneVid.NET — built-in reducers.
namespace PruneVid.Strategies.Reducers;

/// <summary>
/// Keeps every token: the output is the input tensor itself (not a copy) with the original positions, so a run with
/// this reducer is exactly the unreduced model. The baseline every other reducer is compared with.
/// </summary>
[TokenReducer("noop", Description = "Keeps every video token (the unreduced baseline).")]
public sealed class NoopReducer : ITokenReducer
{
    /// <inheritdoc />
    public TokenReduction Reduce(VideoTokens video, ReductionContext context)
    {
        return TokenReduction.Unchanged(video);
    }
}
