// PruneVid.NET — language model: the sequences that decode together, one token each per step.
using PruneVid.Compute;

namespace PruneVid.Runtime.Model.Text;

/// <summary>One sequence decoding in a <see cref="DecodeBatch"/>: its own sampling, stop ids and token budget.</summary>
public sealed class DecodeMember
{
    private readonly HashSet<int> _stop;

    internal DecodeMember(TextSequence sequence, SamplingOptions options, Action<float[]>? onLogits)
    {
        Sequence = sequence;
        Options = options;
        OnLogits = onLogits;
        Sampler = new Sampler(options);
        _stop = [.. options.EosTokenIds];
    }

    /// <summary>The sequence (its cache, tokens and next position).</summary>
    public TextSequence Sequence { get; }

    /// <summary>How this sequence chooses and stops.</summary>
    public SamplingOptions Options { get; }

    /// <summary>Tokens chosen so far.</summary>
    public int Produced { get; private set; }

    /// <summary>The last chosen token, with the reason decoding ends there (null while it goes on).</summary>
    public DecodedToken Last { get; private set; }

    /// <summary>True once the last token ended decoding (a stop id or the token budget).</summary>
    public bool IsFinished => Last.Finish is not null;

    internal Sampler Sampler { get; }

    internal Action<float[]>? OnLogits { get; }

    /// <summary>True when the token is an argmax on the device (plain greedy, nobody looks at the logits).</summary>
    internal bool TakesArgMax => Options.IsPlainGreedy && OnLogits is null;

    internal void Take(int token)
    {
        Produced++;
        Last = new DecodedToken(token, _stop.Contains(token) ? FinishReason.Eos : Produced >= Options.MaxNewTokens ? FinishReason.Length : null);
    }
}

/// <summary>
/// The decode loop's state for up to <see cref="Capacity"/> sequences: <see cref="Join"/> chooses a sequence's first
/// token from its prefill, <see cref="Step"/> feeds every unfinished member's last token through the model at its own
/// next M-RoPE position and chooses each one's next token with its own sampler. A step of one sequence runs through
/// that sequence's own step tensors (the one-sequence decode budget); a step of several runs every weight once for
/// all of them (<see cref="TextModel.ForwardBatchStep"/>). Members leave whenever their owner decides (a stop string,
/// a cancellation); the others' tokens do not depend on who else is in the batch. Not thread-safe: one caller at a
/// time, as for the model.
/// </summary>
public sealed class DecodeBatch : IDisposable
{
    private readonly TextModel _model;
    private readonly List<DecodeMember> _members = [];
    private readonly List<DecodeMember> _stepping = [];
    private readonly KvCache[] _caches;
    private readonly int[] _tokens, _positions;
    private readonly KvPool _pool;
    private DecodeStep? _step;

    /// <summary>A batch of up to <paramref name="capacity"/> sequences of <paramref name="model"/>.</summary>
    public DecodeBatch(TextModel model, int capacity)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _model = model;
        Capacity = capacity;
        _tokens = new int[capacity];
        _positions = new int[capacity];
        _caches = new KvCache[capacity];
        _pool = new KvPool(model.Backend);
    }

    /// <summary>Most sequences decoding together.</summary>
    public int Capacity { get; }

    /// <summary>The members, in the order they joined.</summary>
    public IReadOnlyList<DecodeMember> Members => _members;

    /// <summary>
    /// Adds <paramref name="sequence"/> and chooses its first token from the last row of <paramref name="prefillNormed"/>
    /// (read now only: the caller may dispose it when this returns). The sequence's cache must have room for the tokens
    /// it will be fed (see <see cref="TextGenerator.Prefill"/>).
    /// </summary>
    public DecodeMember Join(TextSequence sequence, Tensor prefillNormed, SamplingOptions options, Action<float[]>? onLogits = null)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        ArgumentNullException.ThrowIfNull(prefillNormed);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.MaxNewTokens == 0) throw new ArgumentException("a sequence with no tokens to generate cannot join a decode batch", nameof(options));
        if (_members.Any(m => m.Sequence == sequence)) throw new ArgumentException("the sequence is already in the batch", nameof(sequence));
        if (_members.Count == Capacity) throw new InvalidOperationException($"the decode batch is full ({Capacity} sequences)");
        var member = new DecodeMember(sequence, options, onLogits);
        DecodeStep own = sequence.StepTensors(_model);
        _model.Logits(_model.Backend.SliceRows(prefillNormed, prefillNormed.Rows - 1, 1), own.Logits);
        member.Take(Choose([member], own)[0]);
        _members.Add(member);
        return member;
    }

    /// <summary>
    /// Removes <paramref name="member"/> (finished, stopped or cancelled); its sequence stays the caller's, its cache
    /// moved back out of the batch's pool into tensors of its own.
    /// </summary>
    public void Leave(DecodeMember member)
    {
        if (_members.Remove(member)) _pool.Release(member.Sequence.Cache);
    }

    /// <summary>
    /// One decode step for every member that has not finished: feeds its last token, then chooses its next one
    /// (<see cref="DecodeMember.Last"/>). Returns the members stepped (valid until the next call). More members than
    /// <see cref="MaxRowsPerPass"/> step in groups of that many, so that every row takes the matrix-vector path whose
    /// rows do not depend on each other (a blocked GEMM over more rows rounds differently): each weight is read once
    /// per group. When several members step, their caches move into the batch's <see cref="KvPool"/> (once each) and
    /// the members step in pool order, so that one attention launch per layer serves a group (its segment tables ride
    /// in the step's one upload); a group whose caches lie on both sides of the backend's
    /// <see cref="ComputeBackend.DecodeSplitMinKeys"/> attends per sequence instead, so that each row still takes the
    /// kernel it takes alone.
    /// </summary>
    public IReadOnlyList<DecodeMember> Step()
    {
        _stepping.Clear();
        foreach (DecodeMember member in _members)
            if (!member.IsFinished) _stepping.Add(member);
        int m = _stepping.Count;
        if (m > 1)
        {
            foreach (DecodeMember member in _stepping) _pool.Admit(member.Sequence.Cache);
            _stepping.Sort((a, b) => _pool.OffsetOf(a.Sequence.Cache).CompareTo(_pool.OffsetOf(b.Sequence.Cache)));
        }
        int vocab = _model.Config.VocabSize;
        for (int s = 0; s < m; s++)
        {
            TextSequence sequence = _stepping[s].Sequence;
            int token = _stepping[s].Last.Token;
            if ((uint)token >= (uint)vocab)
                throw new ArgumentOutOfRangeException(nameof(token), $"token id {token} is outside the vocabulary 0..{vocab - 1}");
            _tokens[s] = token;
            _positions[s] = sequence.NextPosition;
            _caches[s] = sequence.Cache;
        }
        for (int start = 0; start < m; start += MaxRowsPerPass)
        {
            int rows = Math.Min(MaxRowsPerPass, m - start);
            DecodeStep step = rows == 1 ? _stepping[start].Sequence.StepTensors(_model)
                : _step ??= _model.CreateBatchStep(Math.Min(Capacity, MaxRowsPerPass));
            var caches = new ArraySegment<KvCache>(_caches, start, rows);
            PooledAttention? pooled = null;
            if (rows > 1 && OneAttentionKernel(caches))
            {
                int[] cuQ = new int[2 * rows + 1], cuK = new int[2 * rows + 1];
                KvPool.SegmentTables(caches, _pool.OffsetOf, cuQ, cuK);
                step.Feed(_tokens.AsSpan(start, rows), _positions.AsSpan(start, rows), PruneVid.Kernels.Attention.SegmentTableLayout(cuQ, cuK));
                pooled = new PooledAttention(_pool, cuQ, cuK, step.SegmentTables);
            }
            else step.Feed(_tokens.AsSpan(start, rows), _positions.AsSpan(start, rows));
            _model.ForwardBatchStep(step, _positions.AsSpan(start, rows), caches, pooled);
            var group = new ArraySegment<DecodeMember>([.. _stepping.Skip(start).Take(rows)]);
            for (int s = 0; s < rows; s++)
            {
                TextSequence sequence = group[s].Sequence;
                sequence.NextPosition = _positions[start + s] + 1;
                sequence.Tokens.Add(_tokens[start + s]);
            }
            int[] next = Choose(group, step);
            for (int s = 0; s < rows; s++) group[s].Take(next[s]);
        }
        Array.Clear(_caches);
        return _stepping;
    }

    /// <summary>
    /// True when every cache of a group, with its new row, lies on the same side of the backend's
    /// <see cref="ComputeBackend.DecodeSplitMinKeys"/>: one attention call then runs each segment with the kernel it
    /// would take alone.
    /// </summary>
    private bool OneAttentionKernel(IReadOnlyList<KvCache> caches)
    {
        int split = _model.Backend.DecodeSplitMinKeys;
        bool longFirst = caches[0].Length + 1 >= split;
        foreach (KvCache cache in caches)
            if (cache.Length + 1 >= split != longFirst) return false;
        return true;
    }

    /// <summary>Most sequences one forward pass of a step feeds (the rows the matrix-vector kernels take).</summary>
    public static int MaxRowsPerPass => PruneVid.Kernels.MatMul.GemvMaxRows;

    /// <summary>
    /// The next token of each row of the step's logits: one argmax on the device and one download of the ids for the
    /// plain greedy rows, else the member's sampler on its downloaded row.
    /// </summary>
    private int[] Choose(IReadOnlyList<DecodeMember> members, DecodeStep step)
    {
        var b = _model.Backend;
        var chosen = new int[members.Count];
        ReadOnlySpan<int> ids = default;
        if (members.Any(m => m.TakesArgMax))
        {
            b.ArgMax(step.Logits, step.NextId);
            ids = step.ReadNextIds();
        }
        for (int s = 0; s < members.Count; s++)
        {
            DecodeMember member = members[s];
            if (member.TakesArgMax) { chosen[s] = ids[s]; continue; }
            TextSequence sequence = member.Sequence;
            float[] row = sequence.HostLogits ??= new float[step.Logits.RowLength];
            b.CopyToHost(members.Count == 1 ? step.Logits : b.SliceRows(step.Logits, s, 1), row);
            member.OnLogits?.Invoke(row);
            chosen[s] = member.Sampler.Next(row, sequence.Tokens);
        }
        return chosen;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _step?.Dispose();
        _pool.Dispose();
    }
}
