// PruneVid.NET — language model: prefill and the decoding loop.
using System.Runtime.CompilerServices;
using PruneVid.Compute;
using PruneVid.Strategies;

namespace PruneVid.Runtime.Model.Text;

/// <summary>A prompt ready for the language model: ids with placeholders, its media items and their features.</summary>
/// <param name="InputIds">Token ids, one placeholder per vision token.</param>
/// <param name="Media">The images/videos in prompt order (their placeholder counts and M-RoPE offsets).</param>
/// <param name="ImageEmbeds">Image features [image placeholders, H] (null when there are none).</param>
/// <param name="VideoEmbeds">Video features [video placeholders, H] (null when there are none).</param>
/// <param name="Reduction">Hooks to run inside the model during prefill, with the prompt's video spans (null: none).</param>
public sealed record TextPrompt(IReadOnlyList<int> InputIds, IReadOnlyList<MediaItem> Media, Tensor? ImageEmbeds = null, Tensor? VideoEmbeds = null,
    InModelReduction? Reduction = null);

/// <summary>Why generation ended.</summary>
public enum FinishReason
{
    /// <summary>A stop id was produced (it is the last generated token).</summary>
    Eos,
    /// <summary><see cref="SamplingOptions.MaxNewTokens"/> tokens were produced.</summary>
    Length,
}

/// <summary>The outcome of <see cref="TextGenerator.Generate"/>.</summary>
/// <param name="Tokens">Generated ids (a final stop id included).</param>
/// <param name="Reason">Why it stopped.</param>
/// <param name="RopeDelta">The prompt's rope delta.</param>
public sealed record GenerationResult(IReadOnlyList<int> Tokens, FinishReason Reason, int RopeDelta)
{
    /// <summary>What the in-model hooks did during prefill (empty without hooks).</summary>
    public IReadOnlyList<StageRecord> Reductions { get; init; } = [];
}

/// <summary>
/// Prefill + decode loop over a <see cref="TextModel"/>: each step feeds the previous token at the sequence's next
/// M-RoPE position through the KV cache. Plain greedy steps take the argmax on the device and download only the id;
/// other settings download the last logits row for the <see cref="Sampler"/>. Tokens stream to a callback or an
/// async enumerable as they are produced; a cancellation token is checked before every step.
/// </summary>
public sealed class TextGenerator
{
    /// <summary>A generator over <paramref name="model"/>.</summary>
    public TextGenerator(TextModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
    }

    /// <summary>The language model.</summary>
    public TextModel Model { get; }

    /// <summary>
    /// Computes the prompt's positions, embeds it and runs it through every layer into a new sequence whose cache has
    /// room for <paramref name="maxNewTokens"/> more tokens. Returns the sequence and the final-normed hidden states
    /// [L, H] of the prompt (the caller owns both).
    /// </summary>
    public (TextSequence Sequence, Tensor Normed, MRopePositions Positions) Prefill(TextPrompt prompt, int maxNewTokens, Action<string, Tensor>? observe = null)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        int[] ids = [.. prompt.InputIds];
        if (ids.Length == 0) throw new ArgumentException("the prompt is empty", nameof(prompt));
        if (maxNewTokens < 0) throw new ArgumentOutOfRangeException(nameof(maxNewTokens));
        int limit = Model.Config.MaxPositionEmbeddings;
        if (ids.Length > limit) throw new ArgumentException($"the prompt has {ids.Length} tokens, more than the model's max_position_embeddings ({limit})", nameof(prompt));
        MRopePositions positions = MRopePositions.Compute(ids, prompt.Media, Model.Placeholders);

        using Tensor hidden = Model.Embed(ids, prompt.ImageEmbeds, prompt.VideoEmbeds, observe);
        KvCache cache = Model.CreateCache(ids.Length + Math.Max(1, maxNewTokens));
        try
        {
            Tensor normed = Model.Forward(hidden, positions.Values, cache, prompt.Reduction, out InModelReductionResult? reduced, observe);
            // Decoding continues at the unpruned prompt's next position, whatever the hooks dropped.
            return (new TextSequence(cache, ids, positions) { Reduction = reduced }, normed, positions);
        }
        catch
        {
            cache.Dispose();
            throw;
        }
    }

    /// <summary>Feeds one token at the sequence's next position; returns its final-normed hidden state [1, H].</summary>
    public Tensor Step(TextSequence sequence, int token)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        if ((uint)token >= (uint)Model.Config.VocabSize)
            throw new ArgumentOutOfRangeException(nameof(token), $"token id {token} is outside the vocabulary 0..{Model.Config.VocabSize - 1}");
        int p = sequence.NextPosition;
        using Tensor hidden = Model.Embed([token]);
        Tensor normed = Model.Forward(hidden, [p, p, p], sequence.Cache);
        sequence.NextPosition = p + 1;
        sequence.Tokens.Add(token);
        return normed;
    }

    /// <summary>Generates a continuation, reporting each token to <paramref name="onToken"/> as soon as it is chosen.</summary>
    public GenerationResult Generate(TextPrompt prompt, SamplingOptions options, Action<int>? onToken = null, CancellationToken cancellationToken = default)
    {
        var tokens = new List<int>();
        FinishReason reason = FinishReason.Length;
        int delta = 0;
        IReadOnlyList<StageRecord> reductions = [];
        foreach (var (token, finish, ropeDelta, reduced) in Run(prompt, options, cancellationToken))
        {
            tokens.Add(token);
            onToken?.Invoke(token);
            delta = ropeDelta;
            reductions = reduced;
            if (finish is FinishReason r) reason = r;
        }
        return new GenerationResult(tokens, reason, delta) { Reductions = reductions };
    }

    /// <summary>Streams the generated ids (a final stop id included).</summary>
    public async IAsyncEnumerable<int> GenerateAsync(TextPrompt prompt, SamplingOptions options, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var (token, _, _, _) in Run(prompt, options, cancellationToken))
        {
            yield return token;
            await Task.Yield(); // let the consumer run between steps
        }
    }

    private IEnumerable<(int Token, FinishReason? Finish, int RopeDelta, IReadOnlyList<StageRecord> Reductions)> Run(TextPrompt prompt, SamplingOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        if (options.MaxNewTokens == 0) yield break;
        var sampler = new Sampler(options);
        var stop = new HashSet<int>(options.EosTokenIds);
        var (sequence, prefillNormed, _) = Prefill(prompt, options.MaxNewTokens);
        Tensor? normed = prefillNormed;
        using (sequence)
        {
            // Plain greedy steps reuse one set of step tensors: no allocation and one id download per token.
            DecodeStep? step = null;
            try
            {
                if (options.IsPlainGreedy) step = Model.CreateDecodeStep(sequence.NextPosition + options.MaxNewTokens);
                int token = NextToken(Model.Backend.SliceRows(normed, normed.Rows - 1, 1), sequence, options, sampler, step);
                normed.Dispose();
                normed = null;
                for (int produced = 1; ; produced++)
                {
                    FinishReason? finish = stop.Contains(token) ? FinishReason.Eos : produced >= options.MaxNewTokens ? FinishReason.Length : null;
                    yield return (token, finish, sequence.RopeDelta, sequence.Reduction?.Outcomes ?? []);
                    if (finish is not null) yield break;
                    cancellationToken.ThrowIfCancellationRequested();
                    if (step is not null)
                    {
                        token = GreedyStep(sequence, token, step);
                        continue;
                    }
                    normed = Step(sequence, token);
                    token = NextToken(normed, sequence, options, sampler, step: null);
                    normed.Dispose();
                    normed = null;
                }
            }
            finally
            {
                normed?.Dispose(); // the consumer stopped early or a step threw
                step?.Dispose();
            }
        }
    }

    /// <summary>
    /// Feeds <paramref name="token"/> at the sequence's next position through <paramref name="step"/>'s tensors and
    /// returns the argmax of the next logits: one small upload, one 4-byte download, no allocation.
    /// </summary>
    private int GreedyStep(TextSequence sequence, int token, DecodeStep step)
    {
        int p = sequence.NextPosition;
        step.Feed(token, p);
        Model.ForwardStep(step, p, sequence.Cache);
        sequence.NextPosition = p + 1;
        sequence.Tokens.Add(token);
        return step.ReadNextId();
    }

    private int NextToken(Tensor lastNormed, TextSequence sequence, SamplingOptions options, Sampler sampler, DecodeStep? step)
    {
        var b = Model.Backend;
        if (step is not null)
        {
            Model.Logits(lastNormed, step.Logits);
            b.ArgMax(step.Logits, step.NextId);
            return step.ReadNextId();
        }
        using Tensor logits = Model.Logits(lastNormed); // sampling reads the whole row on the host
        var row = new float[logits.Length];
        b.CopyToHost(logits, row);
        return sampler.Next(row, sequence.Tokens);
    }
}
