// PruneVid.NET — language model: prefill and the decoding loop.
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

    /// <summary>Prompt rows whose KV rows came from the prefix cache (0: the prefill computed every row).</summary>
    public int ReusedPrefix { get; init; }
}

/// <summary>One token of <see cref="TextGenerator.Decode"/>.</summary>
/// <param name="Token">The chosen id.</param>
/// <param name="Finish">Why decoding ends with this token; null while it goes on.</param>
public readonly record struct DecodedToken(int Token, FinishReason? Finish);

/// <summary>
/// Prefill + the decode loop over a <see cref="TextModel"/>. <see cref="Decode"/> is the one loop every caller runs
/// (pipeline, chat, evaluation, parity, benchmarks): each step feeds the previous token at the sequence's next M-RoPE
/// position through the KV cache, reusing the sequence's step tensors, so a step allocates nothing. Plain greedy steps
/// take the argmax on the device and download only the id; other settings download the logits row for the
/// <see cref="Sampler"/>. A cancellation token is checked before every step. The loop is a <see cref="DecodeBatch"/> of
/// one; a <see cref="DecodeScheduler"/> runs the same batch for many sequences at once.
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
    /// KV rows of earlier prompts' prefixes that <see cref="Prefill"/> reuses (null: every prefill starts cold). See
    /// <see cref="PrefixCache"/> for which prompts take part.
    /// </summary>
    public PrefixCache? Prefixes { get; set; }

    /// <summary>
    /// The continuous-batching scheduler <see cref="Generate(TextPrompt, SamplingOptions, Action{int}?, Func{bool}?, Action{float[]}?, CancellationToken)"/>
    /// hands its sequences to after the prefill (null: each call decodes alone). With one, callers hold
    /// <see cref="DecodeScheduler.Gate"/> around every use of the model, Generate included (see <see cref="DecodeScheduler"/>).
    /// </summary>
    public DecodeScheduler? Scheduler { get; set; }

    /// <summary>
    /// Computes the prompt's positions, embeds it and runs it through every layer into a new sequence whose cache has
    /// room for <paramref name="maxNewTokens"/> more tokens. Returns the sequence and the final-normed hidden states
    /// [L, H] of the prompt (the caller owns both). With <see cref="Prefixes"/>, no observer and no in-model hooks, a
    /// prefix held there is copied into the cache and only the rows after it are computed: the hidden states then
    /// cover those rows (the last row is always the prompt's last), and <see cref="TextSequence.ReusedPrefix"/> says
    /// how many rows were reused.
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
        if (Prefixes is not null && observe is null && prompt.Reduction is null && PrefixCache.PrefixLength(ids, Model.Placeholders) is > 0 and int prefix)
            return PrefillReusing(Prefixes, prompt, ids, positions, prefix, maxNewTokens);

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

    /// <summary>
    /// A prefill through the prefix cache: on a hit the prefix's rows are copied in and only the suffix runs (it holds
    /// no placeholder, so it is embedded alone); on a miss the whole prompt runs and its prefix is kept.
    /// </summary>
    private (TextSequence, Tensor, MRopePositions) PrefillReusing(PrefixCache prefixes, TextPrompt prompt, int[] ids, MRopePositions positions,
        int prefix, int maxNewTokens)
    {
        string key = PrefixCache.Key(Model.Backend, ids, positions, prefix, prompt.ImageEmbeds, prompt.VideoEmbeds);
        KvCache cache = Model.CreateCache(ids.Length + Math.Max(1, maxNewTokens));
        try
        {
            Tensor normed;
            int reused = 0;
            if (prefixes.TryRestore(key, cache))
            {
                reused = prefix;
                int m = ids.Length - prefix;
                var suffixPositions = new int[3 * m];
                for (int s = 0; s < 3; s++) positions.Values.AsSpan(s * ids.Length + prefix, m).CopyTo(suffixPositions.AsSpan(s * m, m));
                using Tensor hidden = Model.Embed(ids.AsSpan(prefix));
                normed = Model.Forward(hidden, suffixPositions, cache);
            }
            else
            {
                using Tensor hidden = Model.Embed(ids, prompt.ImageEmbeds, prompt.VideoEmbeds);
                normed = Model.Forward(hidden, positions.Values, cache);
                prefixes.Store(key, cache, prefix);
            }
            return (new TextSequence(cache, ids, positions) { ReusedPrefix = reused }, normed, positions);
        }
        catch
        {
            cache.Dispose();
            throw;
        }
    }

    /// <summary>Generates a continuation, reporting each token to <paramref name="onToken"/> as soon as it is chosen.</summary>
    public GenerationResult Generate(TextPrompt prompt, SamplingOptions options, Action<int>? onToken = null, CancellationToken cancellationToken = default) =>
        Generate(prompt, options, onToken, stopRequested: null, onLogits: null, cancellationToken);

    /// <summary>
    /// As <see cref="Generate(TextPrompt, SamplingOptions, Action{int}?, CancellationToken)"/>; decoding also ends, with
    /// <see cref="FinishReason.Eos"/>, as soon as <paramref name="stopRequested"/> answers true after a token was
    /// reported (e.g. a stop string appeared in the text). <paramref name="onLogits"/>, when given, sees each step's
    /// logits row before the token is chosen (valid during the call only; such steps download the row even when greedy).
    /// </summary>
    public GenerationResult Generate(TextPrompt prompt, SamplingOptions options, Action<int>? onToken, Func<bool>? stopRequested,
        Action<float[]>? onLogits = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        if (options.MaxNewTokens == 0) return new GenerationResult([], FinishReason.Length, 0);
        var (sequence, prefillNormed, _) = Prefill(prompt, options.MaxNewTokens);
        if (Scheduler is { } scheduler)
            using (sequence)
            {
                var (tokens, reason) = scheduler.Decode(sequence, prefillNormed, options, onToken, stopRequested, onLogits, cancellationToken);
                return new GenerationResult(tokens, reason, sequence.RopeDelta)
                {
                    Reductions = sequence.Reduction?.Outcomes ?? [],
                    ReusedPrefix = sequence.ReusedPrefix,
                };
            }
        Tensor? normed = prefillNormed;
        using (sequence)
        {
            try
            {
                var tokens = new List<int>();
                FinishReason reason = FinishReason.Length;
                foreach (var (token, finish) in Decode(sequence, prefillNormed, options, onLogits, cancellationToken))
                {
                    normed?.Dispose(); // the first token is chosen: the prompt's hidden states are not read again
                    normed = null;
                    tokens.Add(token);
                    onToken?.Invoke(token);
                    if (finish is FinishReason r) reason = r;
                    else if (stopRequested?.Invoke() == true) { reason = FinishReason.Eos; break; }
                }
                return new GenerationResult(tokens, reason, sequence.RopeDelta)
                {
                    Reductions = sequence.Reduction?.Outcomes ?? [],
                    ReusedPrefix = sequence.ReusedPrefix,
                };
            }
            finally
            {
                normed?.Dispose(); // the first choice threw
            }
        }
    }

    /// <summary>
    /// The decode loop: chooses the first token from the last row of <paramref name="prefillNormed"/> (read only before
    /// the first token is yielded, so the caller may dispose it then), then feeds each token back through
    /// <paramref name="sequence"/> until a stop id (yielded) or <see cref="SamplingOptions.MaxNewTokens"/> tokens.
    /// The sequence's cache must have room for the fed tokens (see <see cref="Prefill"/>). <paramref name="onLogits"/>,
    /// when given, sees each step's logits row before its token is chosen (the row is downloaded even when greedy).
    /// </summary>
    public IEnumerable<DecodedToken> Decode(TextSequence sequence, Tensor prefillNormed, SamplingOptions options,
        Action<float[]>? onLogits = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        ArgumentNullException.ThrowIfNull(prefillNormed);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return DecodeLoop(sequence, prefillNormed, options, onLogits, cancellationToken);
    }

    private IEnumerable<DecodedToken> DecodeLoop(TextSequence sequence, Tensor prefillNormed, SamplingOptions options, Action<float[]>? onLogits,
        CancellationToken cancellationToken)
    {
        if (options.MaxNewTokens == 0) yield break;
        using var batch = new DecodeBatch(Model, capacity: 1);
        DecodeMember member = batch.Join(sequence, prefillNormed, options, onLogits);
        while (true)
        {
            yield return member.Last;
            if (member.IsFinished) yield break;
            cancellationToken.ThrowIfCancellationRequested();
            batch.Step();
        }
    }
}
