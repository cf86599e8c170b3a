// PruneVid.NET — strategy specs: running a chain of reducers.
using PruneVid.Compute;

namespace PruneVid.Strategies;

/// <summary>What one stage of a chain did before the language model.</summary>
public sealed record ChainStageCount(string Stage, int TokensBefore, int TokensAfter);

/// <summary>
/// The reducers of a <see cref="StrategySpec"/>, run as one: the reducers that act before the language model in order
/// (a later one needs the full grid, so it may only follow reducers that kept every token), then the in-model
/// reducers contribute their hooks (<see cref="ILanguageModelReducer.CreateHook"/>), which see the segments the
/// earlier stages recorded. The result carries every hook, in chain order.
/// </summary>
public sealed class ReducerChain : ITokenReducer, IRequestsVisionSignals
{
    /// <summary>A chain of named reducers.</summary>
    public ReducerChain(IReadOnlyList<(string Name, ITokenReducer Reducer)> stages)
    {
        ArgumentNullException.ThrowIfNull(stages);
        if (stages.Count == 0) throw new ArgumentException("a reducer chain needs at least one stage", nameof(stages));
        Stages = stages;
    }

    /// <summary>The stages in order.</summary>
    public IReadOnlyList<(string Name, ITokenReducer Reducer)> Stages { get; }

    /// <summary>The vision signals any stage asks for (each once): the encoder computes them all in one pass.</summary>
    public IReadOnlyList<VisionSignalRequest> VisionSignals =>
        Stages.SelectMany(s => s.Reducer is IRequestsVisionSignals wants ? wants.VisionSignals : []).Distinct().ToArray();

    /// <inheritdoc />
    public TokenReduction Reduce(VideoTokens video, ReductionContext context) => Run(video, context).Result;

    /// <summary>Runs the chain on one video; also returns the token counts of the stages before the model.</summary>
    public (TokenReduction Result, IReadOnlyList<ChainStageCount> Counts) Run(VideoTokens video, ReductionContext context)
    {
        ArgumentNullException.ThrowIfNull(video);
        ArgumentNullException.ThrowIfNull(context);
        TokenReduction? current = null;
        bool chainOwnsCurrent = false; // a stage handed its output over and the chain has not passed it on yet
        string? previous = null;
        var hooks = new List<ILanguageModelReductionHook>();
        var counts = new List<ChainStageCount>();
        foreach (var (name, reducer) in Stages)
        {
            if (reducer is ILanguageModelReducer inModel)
            {
                hooks.Add(inModel.CreateHook(context));
                continue;
            }
            VideoTokens input = video;
            if (current is not null)
            {
                if (current.Count != video.Count)
                    throw new TokenReducerConfigurationException($"'{name}' reduces tokens before the model and needs the full video grid, but '{previous}' before it already reduced {video.Count} tokens to {current.Count}; put '{name}' first");
                input = new VideoTokens(current.Embeddings, video.Grid, current.Positions, video.Signals);
            }
            TokenReduction next = reducer.Reduce(input, context);
            if (next.OwnsEmbeddings)
            {
                if (ReferenceEquals(next.Embeddings, input.Embeddings))
                    throw new TokenReducerConfigurationException($"'{name}' returned its input tensor as a new one: a reducer that keeps its input returns TokenReduction.Unchanged");
                if (chainOwnsCurrent) current!.Embeddings.Dispose(); // the stage before's output, now consumed
                chainOwnsCurrent = true;
            }
            counts.Add(new ChainStageCount(name, input.Count, next.Count));
            hooks.AddRange(next.LanguageModelHooks);
            current = next;
            previous = name;
        }
        current ??= TokenReduction.Unchanged(video);
        return (new TokenReduction(current.Embeddings, current.Positions, current.Provenance, current.Segments, hooks, chainOwnsCurrent), counts);
    }
}
