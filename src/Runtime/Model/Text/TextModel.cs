// PruneVid.NET — language model.
using PruneVid.Compute;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Config;

namespace PruneVid.Runtime.Model.Text;

/// <summary>
/// The Qwen2.5-VL language model written once against <see cref="ComputeBackend"/>: token embedding with the vision
/// features scattered into the placeholder rows, M-RoPE decoder layers over a <see cref="KvCache"/>, final norm, and
/// lm_head (tied or untied) for just the rows whose logits are wanted. Named intermediates go to an optional
/// observer: <c>text.hidden0</c> (embeddings), <c>text.hidden{i}</c> (output of layer i−1) and, for the last one,
/// the output after the final norm (HF's <c>hidden_states</c> convention).
/// </summary>
public sealed class TextModel : IDisposable
{
    private readonly TextWeights _weights;
    private readonly DecoderLayer[] _layers;
    private readonly RotaryTable _rotary;
    private readonly ActivationArena _arena;
    private readonly Lock _forward = new(); // the layers share one activation arena: one forward pass at a time

    /// <summary>
    /// Uploads the weights of <paramref name="config"/>'s language model from <paramref name="weights"/>, its linear
    /// layers held as <paramref name="format"/> says (as stored by default).
    /// </summary>
    public TextModel(ComputeBackend backend, Qwen25VLConfig config, IWeightSource weights, WeightFormat format = WeightFormat.Stored)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        Backend = backend;
        Config = config.Text;
        Placeholders = new PlaceholderIds(config.ImageTokenId, config.VideoTokenId);
        _weights = new TextWeights(backend, Config, weights, format);
        _layers = new DecoderLayer[Config.NumHiddenLayers];
        for (int l = 0; l < _layers.Length; l++) _layers[l] = new DecoderLayer(backend, Config, _weights.Layers[l], l);
        _rotary = new RotaryTable(backend, Config.HeadDim, Config.RopeTheta);
        _arena = new ActivationArena(backend, Config);
        KvCacheDType = backend.PreferredKvCacheDType;
    }

    /// <summary>
    /// Most prompt rows the feed-forward half of a layer takes at once (default 512): longer prefills run it in slices,
    /// which bounds its two [rows, intermediate] scratch tensors without changing any result (each row is computed alone).
    /// </summary>
    public int FeedForwardRows
    {
        get => _arena.FeedForwardRows;
        set => _arena.FeedForwardRows = value;
    }

    /// <summary>The backend every tensor lives on.</summary>
    public ComputeBackend Backend { get; }

    /// <summary>The language model's configuration.</summary>
    public TextConfig Config { get; }

    /// <summary>The placeholder ids vision features are scattered into.</summary>
    public PlaceholderIds Placeholders { get; }

    /// <summary>
    /// The element type of the caches <see cref="CreateCache"/> makes: the backend's preference by default
    /// (<see cref="ComputeBackend.PreferredKvCacheDType"/>: BF16 on CUDA as in HF's bf16 inference, F32 elsewhere);
    /// F32 for parity runs.
    /// </summary>
    public DType KvCacheDType
    {
        get;
        set => field = value is DType.F32 or DType.BF16 ? value : throw new ArgumentException($"a kv cache holds F32 or BF16 rows, not {value}", nameof(value));
    }

    /// <summary>A cache for one sequence of up to <paramref name="capacity"/> tokens.</summary>
    public KvCache CreateCache(int capacity) => new(Backend, Config.NumHiddenLayers, Config.KeyValueSize, capacity, KvCacheDType);

    /// <summary>
    /// Embeds <paramref name="ids"/> [L] and overwrites the <c>&lt;|image_pad|&gt;</c> rows with the rows of
    /// <paramref name="imageEmbeds"/> and the <c>&lt;|video_pad|&gt;</c> rows with <paramref name="videoEmbeds"/>, in
    /// order (HF <c>masked_scatter</c>). The counts must match exactly. Returns F32 [L, H].
    /// </summary>
    public Tensor Embed(ReadOnlySpan<int> ids, Tensor? imageEmbeds = null, Tensor? videoEmbeds = null, Action<string, Tensor>? observe = null)
    {
        var imageRows = new List<int>();
        var videoRows = new List<int>();
        for (int i = 0; i < ids.Length; i++)
        {
            int id = ids[i];
            if ((uint)id >= (uint)Config.VocabSize)
                throw new ArgumentOutOfRangeException(nameof(ids), $"token {i} has id {id}, outside the vocabulary 0..{Config.VocabSize - 1}");
            if (id == Placeholders.ImageTokenId) imageRows.Add(i);
            else if (id == Placeholders.VideoTokenId) videoRows.Add(i);
        }
        CheckFeatures("image", imageRows.Count, imageEmbeds);
        CheckFeatures("video", videoRows.Count, videoEmbeds);

        var b = Backend;
        Tensor hidden = b.Allocate(DType.F32, ids.Length, Config.HiddenSize);
        if (ids.Length == 0) return hidden;
        using (Tensor idTensor = b.FromI32(ids, ids.Length)) b.Embedding(_weights.Embedding, idTensor, hidden);
        Scatter(imageEmbeds, imageRows, hidden);
        Scatter(videoEmbeds, videoRows, hidden);
        observe?.Invoke("text.hidden0", hidden);
        return hidden;
    }

    /// <summary>
    /// Runs every decoder layer on <paramref name="hidden"/> [M, H] (modified in place: it is the residual stream) for
    /// tokens that follow the <paramref name="cache"/>'s contents, at M-RoPE <paramref name="positions"/> ([3, M] as
    /// <see cref="MRopePositions.Values"/>), then commits their keys/values to the cache. Returns the final-normed
    /// hidden states [M, H] (a new tensor; feed the rows that need logits to <see cref="Logits(Tensor, Tensor)"/>).
    /// </summary>
    public Tensor Forward(Tensor hidden, ReadOnlySpan<int> positions, KvCache cache, Action<string, Tensor>? observe = null)
        => Forward(hidden, positions, cache, reduction: null, out _, observe);

    /// <summary>
    /// <see cref="Forward(Tensor, ReadOnlySpan{int}, KvCache, Action{string, Tensor})"/> with in-model hooks (a prefill):
    /// after each hook's layer the sequence is gathered to the rows it keeps — hidden states, the new KV rows of layers
    /// 0..L (keys keep their rotation) and the positions (gathered, never renumbered) — and later layers run on those
    /// rows only. The returned hidden states have one row per kept row; <paramref name="result"/> says which.
    /// </summary>
    public Tensor Forward(Tensor hidden, ReadOnlySpan<int> positions, KvCache cache, InModelReduction? reduction,
        out InModelReductionResult? result, Action<string, Tensor>? observe = null)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        int m = hidden.Rows;
        if (hidden.RowLength != Config.HiddenSize) throw new ArgumentException($"hidden {hidden} rows must have {Config.HiddenSize} values");
        if (positions.Length != 3 * m) throw new ArgumentException($"positions must be [3,{m}], got {positions.Length} values");
        int lastPosition = -1;
        foreach (int p in positions)
        {
            if (p < 0) throw new ArgumentOutOfRangeException(nameof(positions), $"negative position {p}");
            lastPosition = Math.Max(lastPosition, p);
        }
        CheckPass(cache, m, lastPosition);

        var b = Backend;
        lock (_forward)
        {
            using var hooks = reduction is { Hooks.Count: > 0 }
                ? new PrefillHooks(b, reduction, positions.ToArray(), m, _layers.Length,
                    AttentionShape.Create(Config.NumAttentionHeads, Config.NumKeyValueHeads, Config.HeadDim))
                : null;
            using Tensor positionTensor = b.FromI32(positions, 3, m);
            Tensor normed = Pass(hidden, positionTensor, lastPosition, cache, hooks, normed: null, observe);
            result = hooks is null ? null : new InModelReductionResult(hooks.KeptRows, hooks.Outcomes.ToArray());
            return normed;
        }
    }

    /// <summary>
    /// The tensors of decode steps for positions up to <paramref name="lastPosition"/>; the rotary tables are
    /// grown to cover them now so that no step rebuilds them.
    /// </summary>
    internal DecodeStep CreateDecodeStep(int lastPosition)
    {
        lock (_forward) _rotary.EnsureCapacity(Math.Min(lastPosition, Config.MaxPositionEmbeddings - 1) + 1);
        return new DecodeStep(Backend, Config.HiddenSize, Config.VocabSize);
    }

    /// <summary>The tensors of decode steps that feed up to <paramref name="sequences"/> sequences at once.</summary>
    internal DecodeStep CreateBatchStep(int sequences) =>
        new(Backend, Config.HiddenSize, Config.VocabSize, Config.KeyValueSize, sequences);

    /// <summary>
    /// One decode step of several sequences (<see cref="DecodeStep.Rows"/> of them, fed by <see cref="DecodeStep.Feed"/>):
    /// row s continues <paramref name="caches"/>[s] at <paramref name="positions"/>[s]. Every weight is read once for
    /// all rows; attention is one call over the caches' <see cref="KvPool"/> when <paramref name="pooled"/> is given,
    /// else per sequence over its own cache (see <see cref="DecoderLayer.ForwardBatch"/>). Each row's logits equal
    /// those of <see cref="ForwardStep"/> on that sequence alone.
    /// </summary>
    internal void ForwardBatchStep(DecodeStep step, ReadOnlySpan<int> positions, IReadOnlyList<KvCache> caches, PooledAttention? pooled = null)
    {
        ArgumentNullException.ThrowIfNull(step);
        int m = step.Rows;
        if (positions.Length != m || caches.Count != m) throw new ArgumentException($"a step of {m} sequences needs {m} positions and caches");
        if (m == 1)
        {
            ForwardStep(step, positions[0], caches[0]);
            return;
        }
        int lastPosition = 0;
        for (int s = 0; s < m; s++)
        {
            if (positions[s] < 0) throw new ArgumentOutOfRangeException(nameof(positions), $"negative position {positions[s]}");
            if (caches.Take(s).Contains(caches[s])) throw new ArgumentException("a sequence appears twice in one decode step", nameof(caches));
            CheckPass(caches[s], 1, positions[s]);
            lastPosition = Math.Max(lastPosition, positions[s]);
        }
        if (pooled is not null && caches.Any(c => !pooled.Pool.Holds(c))) throw new ArgumentException("every cache of a pooled step must be in the pool", nameof(caches));
        var b = Backend;
        lock (_forward)
        {
            _rotary.EnsureCapacity(lastPosition + 1);
            b.Embedding(_weights.Embedding, step.Id, step.Hidden);
            for (int l = 0; l < _layers.Length; l++)
                _layers[l].ForwardBatch(step.Hidden, step.Positions, _rotary, caches, step.Keys!, step.Values!, _arena, pooled);
            foreach (KvCache cache in caches) cache.Commit(1);
            b.RmsNorm(step.Hidden, _weights.FinalNorm, (float)Config.RmsNormEps, step.Normed);
        }
        Logits(step.Normed, step.Logits);
    }

    /// <summary>
    /// One decode step with no host traffic of its own: the token id and its M-RoPE position are already on the device
    /// in <paramref name="step"/> (see <see cref="DecodeStep"/>); embeds it and runs the same pass as a prefill (every
    /// layer over the cache, commit, final norm), then lm_head into the step's logits. <paramref name="position"/> is
    /// the host's copy of the position (it sizes the rotary table; nothing is uploaded when it fits).
    /// </summary>
    internal void ForwardStep(DecodeStep step, int position, KvCache cache)
    {
        ArgumentNullException.ThrowIfNull(step);
        if (position < 0) throw new ArgumentOutOfRangeException(nameof(position), $"negative position {position}");
        CheckPass(cache, 1, position);
        lock (_forward)
        {
            Backend.Embedding(_weights.Embedding, step.Id, step.Hidden);
            Pass(step.Hidden, step.Positions, position, cache, hooks: null, step.Normed, observe: null);
        }
        Logits(step.Normed, step.Logits);
    }

    /// <summary>
    /// The one forward pass of prefills and decode steps (the caller holds the lock): grows the rotary tables to
    /// <paramref name="lastPosition"/>, runs every layer (with the prefill's hooks, which may shrink the sequence),
    /// commits the new rows to the cache and writes the final norm into <paramref name="normed"/> (allocated when null,
    /// after the hooks have fixed the row count). Returns the final-normed hidden states.
    /// </summary>
    private Tensor Pass(Tensor hidden, Tensor positions, int lastPosition, KvCache cache, PrefillHooks? hooks, Tensor? normed,
        Action<string, Tensor>? observe)
    {
        var b = Backend;
        _rotary.EnsureCapacity(lastPosition + 1);
        Tensor? gatheredPositions = null; // the positions of the rows a hook kept
        try
        {
            for (int l = 0; l < _layers.Length; l++)
            {
                using (LayerCapture? capture = hooks?.CaptureFor(l))
                {
                    _layers[l].Forward(hidden, gatheredPositions ?? positions, _rotary, cache, _arena, capture);
                    if (hooks is not null && hooks.Apply(l, ref hidden, capture, cache))
                    {
                        gatheredPositions?.Dispose();
                        gatheredPositions = b.FromI32(hooks.Positions, 3, hidden.Rows);
                    }
                }
                if (l < _layers.Length - 1) observe?.Invoke($"text.hidden{l + 1}", hidden);
            }
        }
        finally
        {
            gatheredPositions?.Dispose();
        }
        cache.Commit(hidden.Rows);
        normed ??= b.Allocate(DType.F32, hidden.Rows, Config.HiddenSize);
        b.RmsNorm(hidden, _weights.FinalNorm, (float)Config.RmsNormEps, normed);
        observe?.Invoke($"text.hidden{_layers.Length}", normed);
        return normed;
    }

    /// <summary>Checks that <paramref name="rows"/> new tokens up to <paramref name="lastPosition"/> fit the cache and the model.</summary>
    private void CheckPass(KvCache cache, int rows, int lastPosition)
    {
        ArgumentNullException.ThrowIfNull(cache);
        if (cache.Layers != _layers.Length || cache.KvWidth != Config.KeyValueSize) throw new ArgumentException("the cache was made for another model");
        if (cache.Length + rows > cache.Capacity)
            throw new InvalidOperationException($"{rows} new tokens do not fit the kv cache ({cache.Length} cached, capacity {cache.Capacity})");
        if (lastPosition >= Config.MaxPositionEmbeddings)
            throw new ArgumentOutOfRangeException("positions", $"position {lastPosition} exceeds the model's max_position_embeddings ({Config.MaxPositionEmbeddings}): the prompt or generation is too long");
    }

    /// <summary>logits [M, vocab] = normed [M, H] · lm_headᵀ.</summary>
    public void Logits(Tensor normed, Tensor logits) => Backend.MatMul(normed, _weights.LmHead, null, logits);

    /// <summary>Allocates and computes the logits of <paramref name="normed"/>'s rows.</summary>
    public Tensor Logits(Tensor normed)
    {
        Tensor logits = Backend.Allocate(DType.F32, normed.Rows, Config.VocabSize);
        Logits(normed, logits);
        return logits;
    }

    /// <summary>
    /// Argmax token of every row of <paramref name="normed"/>, computed on the device in chunks of
    /// <paramref name="chunkRows"/> rows so the full [M, vocab] logits never exist at once.
    /// </summary>
    public int[] ArgMaxTokens(Tensor normed, int chunkRows = 64)
    {
        if (chunkRows <= 0) throw new ArgumentOutOfRangeException(nameof(chunkRows));
        var b = Backend;
        var result = new int[normed.Rows];
        using Tensor logits = b.Allocate(DType.F32, Math.Min(chunkRows, Math.Max(1, normed.Rows)), Config.VocabSize);
        using Tensor ids = b.Allocate(DType.I32, logits.Rows);
        for (int start = 0; start < normed.Rows; start += chunkRows)
        {
            int rows = Math.Min(chunkRows, normed.Rows - start);
            Tensor chunkLogits = b.SliceRows(logits, 0, rows), chunkIds = b.SliceRows(ids, 0, rows);
            Logits(b.SliceRows(normed, start, rows), chunkLogits);
            b.ArgMax(chunkLogits, chunkIds);
            b.CopyToHost(chunkIds, result.AsSpan(start, rows));
        }
        return result;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _arena.Dispose();
        _rotary.Dispose();
        _weights.Dispose();
    }

    private void CheckFeatures(string kind, int placeholders, Tensor? features)
    {
        int rows = features?.Rows ?? 0;
        if (rows != placeholders)
            throw new ArgumentException($"the prompt has {placeholders} {kind} placeholder tokens but {rows} {kind} embeddings were given; they must match");
        if (features is not null && features.RowLength != Config.HiddenSize)
            throw new ArgumentException($"{kind} embeddings {features} must have {Config.HiddenSize} values per row (the language model width)");
    }

    private void Scatter(Tensor? features, List<int> rows, Tensor hidden)
    {
        if (features is null || rows.Count == 0) return;
        using Tensor index = Backend.FromI32([.. rows], rows.Count);
        Backend.ScatterRows(features, index, hidden);
    }
}
