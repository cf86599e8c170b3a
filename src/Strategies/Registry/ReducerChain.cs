// PruneVid.NET — strategy specs: running a chain of reducers.
namespace PruneVid.Strategies;

/// <summary>One stage of a <see cref="ReducerChain"/>.</summary>
/// <param name="Name">The reducer's registry name.</param>
/// <param name="Reducer">The reducer with the spec's parameters.</param>
/// <param name="Knob">Its budget knob, when the chain runs under a token budget and the reducer declares one.</param>
/// <param name="WithKnob">The same reducer with its knob set to a value (present with <paramref name="Knob"/>).</param>
public sealed record ChainStage(string Name, ITokenReducer Reducer, ReducerBudgetKnob? Knob = null, Func<double, ITokenReducer>? WithKnob = null);

/// <summary>
/// The reducers of a <see cref="StrategySpec"/>, run as one: the reducers that act before the language model in order
/// (a later one needs the full grid, so it may only follow reducers that kept every token), then the in-model
/// reducers contribute their hooks (<see cref="ILanguageModelReducer.CreateHook"/>), which see the segments the
/// earlier stages recorded. The result carries every hook, in chain order. Under a token budget
/// (<see cref="Retention"/>) the stages with a knob are tuned per video first (<see cref="TokenBudget"/>).
/// </summary>
public sealed class ReducerChain : ITokenReducer, IRequestsVisionSignals
{
    private readonly IReadOnlyList<ChainStage> _stages;

    /// <summary>A chain of named reducers, without a budget.</summary>
    public ReducerChain(IReadOnlyList<(string Name, ITokenReducer Reducer)> stages)
        : this(stages?.Select(s => new ChainStage(s.Name, s.Reducer)).ToArray() ?? throw new ArgumentNullException(nameof(stages)), null)
    {
    }

    /// <summary>A chain of stages under an optional token budget (a kept share in (0, 1]).</summary>
    public ReducerChain(IReadOnlyList<ChainStage> stages, double? retention)
    {
        ArgumentNullException.ThrowIfNull(stages);
        if (stages.Count == 0) throw new ArgumentException("a reducer chain needs at least one stage", nameof(stages));
        if (retention is double r && !(r > 0 && r <= 1)) throw new ArgumentOutOfRangeException(nameof(retention), r, "retention must be in (0, 1]");
        _stages = stages;
        Retention = retention;
    }

    /// <summary>The stages in order.</summary>
    public IReadOnlyList<(string Name, ITokenReducer Reducer)> Stages => [.. _stages.Select(s => (s.Name, s.Reducer))];

    /// <summary>The token budget: the share of each video's visual tokens to keep after the last stage (null: none).</summary>
    public double? Retention { get; }

    /// <summary>The vision signals any stage asks for (each once): the encoder computes them all in one pass.</summary>
    public IReadOnlyList<VisionSignalRequest> VisionSignals =>
        _stages.SelectMany(s => s.Reducer is IRequestsVisionSignals wants ? wants.VisionSignals : []).Distinct().ToArray();

    /// <inheritdoc />
    public TokenReduction Reduce(VideoTokens video, ReductionContext context) => Run(video, context).Result;

    /// <summary>Runs the chain on one video; also returns the records of the stages before the model.</summary>
    public (TokenReduction Result, IReadOnlyList<StageRecord> Counts) Run(VideoTokens video, ReductionContext context)
    {
        ArgumentNullException.ThrowIfNull(video);
        ArgumentNullException.ThrowIfNull(context);
        var budget = Retention is double r ? new TokenBudget(r, video.Count, _stages.Count(s => s.Knob is not null), context) : null;
        TokenReduction? current = null;
        bool chainOwnsCurrent = false; // a stage handed its output over and the chain has not passed it on yet
        string? previous = null;
        var hooks = new List<ILanguageModelReductionHook>();
        var counts = new List<StageRecord>();
        // What the in-model stages will receive: the prompt's tokens, then each earlier hook's predicted output.
        int inModelTokens = -1;
        IReadOnlyList<TokenSegment> inModelSegments = [];
        foreach (ChainStage stage in _stages)
        {
            if (stage.Reducer is ILanguageModelReducer inModel)
            {
                if (inModelTokens < 0) (inModelTokens, inModelSegments) = (current?.Count ?? video.Count, current?.Segments ?? []);
                ILanguageModelReducer reducer = budget is not null && stage.Knob is not null
                    ? budget.TuneInModel(stage, inModelTokens, video.Grid.T, inModelSegments)
                    : inModel;
                hooks.Add(reducer.CreateHook(context));
                if (reducer is IPredictsKeptTokens predicts)
                {
                    int kept = predicts.KeptTokens(inModelTokens, video.Grid.T, inModelSegments);
                    if (kept != inModelTokens) inModelSegments = []; // pruned spans no longer carry segments
                    inModelTokens = kept;
                }
                continue;
            }
            VideoTokens input = video;
            if (current is not null)
            {
                if (current.Count != video.Count)
                    throw new TokenReducerConfigurationException($"'{stage.Name}' reduces tokens before the model and needs the full video grid, but '{previous}' before it already reduced {video.Count} tokens to {current.Count}; put '{stage.Name}' first");
                input = new VideoTokens(current.Embeddings, video.Grid, current.Positions, video.Signals);
            }
            TokenReduction next = budget is not null && stage.Knob is not null
                ? budget.TuneBeforeModel(stage, input)
                : stage.Reducer.Reduce(input, context);
            if (next.OwnsEmbeddings)
            {
                if (ReferenceEquals(next.Embeddings, input.Embeddings))
                    throw new TokenReducerConfigurationException($"'{stage.Name}' returned its input tensor as a new one: a reducer that keeps its input returns TokenReduction.Unchanged");
                if (chainOwnsCurrent) current!.Embeddings.Dispose(); // the stage before's output, now consumed
                chainOwnsCurrent = true;
            }
            counts.Add(new StageRecord(stage.Name, input.Count, next.Count));
            hooks.AddRange(next.LanguageModelHooks);
            current = next;
            previous = stage.Name;
        }
        current ??= TokenReduction.Unchanged(video);
        return (new TokenReduction(current.Embeddings, current.Positions, current.Provenance, current.Segments, hooks, chainOwnsCurrent), counts);
    }
}
