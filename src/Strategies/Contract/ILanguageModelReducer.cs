// PruneVid.NET — token-reduction contract.
namespace PruneVid.Strategies;

/// <summary>
/// A reducer that acts inside the language model. Run alone, its <see cref="ITokenReducer.Reduce"/> keeps every video
/// token and returns its hook; in a chain (<see cref="StrategySpec"/>) the tokens come from the reducers before it and
/// only <see cref="CreateHook"/> is called.
/// </summary>
public interface ILanguageModelReducer : ITokenReducer
{
    /// <summary>The hook to run in the model (its layer clamped to <see cref="ReducerModelInfo.LanguageModelLayers"/>).</summary>
    ILanguageModelReductionHook CreateHook(ReductionContext context);
}

/// <summary>Helpers for reducers that act inside the language model.</summary>
public static class LanguageModelReducers
{
    /// <summary>What such a reducer returns before the model: every token unchanged, plus its hook.</summary>
    public static TokenReduction KeepAll(VideoTokens video, ILanguageModelReductionHook hook)
    {
        ArgumentNullException.ThrowIfNull(video);
        ArgumentNullException.ThrowIfNull(hook);
        return TokenReduction.Unchanged(video, [hook]);
    }

    /// <summary>
    /// <paramref name="requested"/> when the model has that layer, else its last layer, with a line to
    /// <paramref name="context"/> saying so (a paper's layer 10 on a smaller model).
    /// </summary>
    public static int ClampLayer(string reducer, string parameter, int requested, ReductionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        int layers = context.Model.LanguageModelLayers;
        if (requested < layers) return requested;
        int clamped = Math.Max(0, layers - 1);
        context.Write($"{reducer}: {parameter} {requested} is past the model's {layers} decoder layers; using layer {clamped}");
        return clamped;
    }
}
