// PruneVid.NET — language model: per-sequence decoding state.
namespace PruneVid.Runtime.Model.Text;

/// <summary>
/// Everything one sequence carries between decoding steps: its KV cache, its token ids (for the repetition penalty),
/// its next M-RoPE position and the device tensors its steps reuse. Every decode step takes one (see
/// <see cref="TextGenerator.Decode"/>). The rope delta lives here, per sequence, never on the model (docs/prunevid.md: positions policy).
/// The next position is tracked explicitly rather than as cache length + delta so that dropping cache entries does
/// not shift the positions of later tokens.
/// </summary>
public sealed class TextSequence : IDisposable
{
    internal TextSequence(KvCache cache, IEnumerable<int> promptIds, MRopePositions positions)
    {
        Cache = cache;
        Tokens = [.. promptIds];
        PromptLength = Tokens.Count;
        RopeDelta = positions.RopeDelta;
        NextPosition = positions.NextPosition;
    }

    /// <summary>The keys/values of every token so far.</summary>
    public KvCache Cache { get; }

    /// <summary>Prompt and generated ids, in order.</summary>
    public List<int> Tokens { get; }

    /// <summary>Number of prompt tokens at the start of <see cref="Tokens"/>.</summary>
    public int PromptLength { get; }

    /// <summary>HF's <c>rope_deltas</c> of the prompt: max(position) + 1 − prompt length.</summary>
    public int RopeDelta { get; }

    /// <summary>The M-RoPE position (same on all three streams) of the next token fed to the model.</summary>
    public int NextPosition { get; internal set; }

    /// <summary>What in-model hooks did during prefill (null without hooks): the cache holds exactly its kept rows.</summary>
    public InModelReductionResult? Reduction { get; internal init; }

    /// <summary>Prompt rows whose KV rows came from the <see cref="PrefixCache"/> instead of the prefill (0: none).</summary>
    public int ReusedPrefix { get; internal init; }

    /// <summary>The generated ids (after the prompt).</summary>
    public IEnumerable<int> Generated => Tokens.Skip(PromptLength);

    /// <summary>The device tensors of this sequence's decode steps (null until the first step needs them).</summary>
    internal DecodeStep? Step { get; private set; }

    /// <summary>The host copy of a logits row, for sampled steps (null until the first one).</summary>
    internal float[]? HostLogits { get; set; }

    /// <summary>
    /// The step tensors, made on first use for every position the cache still has room for (so no later step grows
    /// the rotary tables or allocates).
    /// </summary>
    internal DecodeStep StepTensors(TextModel model)
        => Step ??= model.CreateDecodeStep(NextPosition + Cache.Capacity - Cache.Length);

    /// <inheritdoc />
    public void Dispose()
    {
        Step?.Dispose();
        Cache.Dispose();
    }
}
