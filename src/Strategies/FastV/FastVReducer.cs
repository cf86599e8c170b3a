// PruneVid.NET — FastV.
namespace PruneVid.Strategies.FastV;

/// <summary>
/// FastV (Chen et al., ECCV 2024, <c>pkunlp-icler/FastV</c>) for video tokens: layers 0..K−1 see every token, then the
/// video tokens the last prompt row attends to least are dropped (<see cref="FastVHook"/>).
/// </summary>
[TokenReducer("fastv", Description = "FastV: after K layers keep the round(N*(1-ratio)) video tokens the last prompt token attends to most (head mean, post-RoPE causal).")]
public sealed class FastVReducer : ITokenReducer<FastVOptions>, ILanguageModelReducer, IPredictsKeptTokens
{
    /// <inheritdoc />
    public FastVOptions Options { get; init; } = new();

    /// <inheritdoc />
    public TokenReduction Reduce(VideoTokens video, ReductionContext context) => LanguageModelReducers.KeepAll(video, CreateHook(context));

    /// <inheritdoc />
    public int KeptTokens(int tokens, int frames, IReadOnlyList<TokenSegment> segments) => Math.Min(tokens, FastVHook.Kept(tokens, Options.Ratio));

    /// <inheritdoc />
    public ILanguageModelReductionHook CreateHook(ReductionContext context)
    {
        int layer = LanguageModelReducers.ClampLayer("fastv", "k - 1", Options.K - 1, context);
        return new FastVHook(layer, Options.Ratio, Options.Verbose ? context : null);
    }
}
