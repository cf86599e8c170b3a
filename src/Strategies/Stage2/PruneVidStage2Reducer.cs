// PruneVid.NET — PruneVid Stage 2.
namespace PruneVid.Strategies.Stage2;

/// <summary>
/// PruneVid Stage 2: attention-based selection inside the language model, as the official <c>VTPWindowCache</c>
/// (<see cref="PruneVidStage2Hook"/>). After the Stage-1 reducer in a chain it keeps a share of every Stage-1 group;
/// alone, it treats the whole video as one dynamic segment with one group per temporal step.
/// </summary>
[TokenReducer("prunevid-stage2", Description = "PruneVid Stage 2: after layer selected_layer keep the top alpha of every Stage-1 group by the attention the question gives them; prunes the KV cache of layers 0..L. Without Stage 1: one dynamic group per frame.")]
public sealed class PruneVidStage2Reducer : ITokenReducer<PruneVidStage2Options>, ILanguageModelReducer, IPredictsKeptTokens
{
    /// <summary>The <c>scoring</c> values.</summary>
    public static readonly IReadOnlyList<string> ScoringModes = ["official", "post-rope-causal"];

    /// <inheritdoc />
    public PruneVidStage2Options Options { get; init; } = new();

    /// <inheritdoc />
    public TokenReduction Reduce(VideoTokens video, ReductionContext context) => LanguageModelReducers.KeepAll(video, CreateHook(context));

    /// <inheritdoc />
    public int KeptTokens(int tokens, int frames, IReadOnlyList<TokenSegment> segments) =>
        tokens == 0 ? 0 : Stage2Selection.KeptCount(Stage2Selection.SegmentsFor(tokens, frames, segments), Options.Alpha);

    /// <inheritdoc />
    public ILanguageModelReductionHook CreateHook(ReductionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!ScoringModes.Contains(Options.Scoring))
            throw new TokenReducerConfigurationException($"prunevid-stage2: scoring '{Options.Scoring}' is not one of {string.Join(", ", ScoringModes)}");
        int layer = LanguageModelReducers.ClampLayer("prunevid-stage2", "selected_layer", Options.SelectedLayer, context);
        return new PruneVidStage2Hook(layer, Options.Alpha, Options.Scoring == "post-rope-causal", Options.Verbose ? context : null);
    }
}
