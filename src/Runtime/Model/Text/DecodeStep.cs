// PruneVid.NET — language model: the device tensors of decode steps, allocated once per sequence or per batch.
using PruneVid.Compute;

namespace PruneVid.Runtime.Model.Text;

/// <summary>
/// Everything decode steps of up to <see cref="Capacity"/> sequences read and write outside the layers' arena and the
/// KV caches: the step input (I32: the M token ids, then their t, h and w positions, uploaded as one copy), the
/// hidden states and their final norm [M, H], the logits [M, vocab], the argmax ids and, for a step of several
/// sequences, the new keys and values [M, kv] before they are copied into each sequence's cache. Allocated once (per
/// sequence, or per <see cref="DecodeBatch"/>) and reused every step, so a step of one sequence moves one 16-byte
/// upload and one 4-byte download and allocates nothing (docs/compute-backends.md, "Decode budget"); a step of M
/// sequences moves 16·M bytes up and 4·M bytes down, still in one copy each; when its sequences' caches share a
/// <see cref="KvPool"/>, the step input also carries the pool attention's segment tables (6M + 2 values), so the one
/// upload still is the step's only host→device copy.
/// </summary>
internal sealed class DecodeStep : IDisposable
{
    private readonly ComputeBackend _backend;
    private readonly Tensor _input, _hidden, _normed, _logits, _nextIds;
    private readonly Tensor? _keys, _values;
    private readonly int[] _host;
    private readonly int[] _ids;
    private Tensor _input4m = null!; // the first 4·M values of the step input
    private Tensor _inputWithTables = null!; // the first 4·M values and the M-sequence segment tables

    public DecodeStep(ComputeBackend backend, int hiddenSize, int vocabSize, int kvWidth = 0, int capacity = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _backend = backend;
        Capacity = capacity;
        int inputLength = 4 * capacity + (capacity > 1 ? KvPool.TableLength(capacity) : 0);
        _host = new int[inputLength];
        _ids = new int[capacity];
        _input = backend.Allocate(DType.I32, inputLength);
        _hidden = backend.Allocate(DType.F32, capacity, hiddenSize);
        _normed = backend.Allocate(DType.F32, capacity, hiddenSize);
        _logits = backend.Allocate(DType.F32, capacity, vocabSize);
        _nextIds = backend.Allocate(DType.I32, capacity);
        if (capacity > 1)
        {
            _keys = backend.Allocate(DType.F32, capacity, kvWidth);
            _values = backend.Allocate(DType.F32, capacity, kvWidth);
        }
        Use(1);
    }

    /// <summary>Most sequences one step of these tensors feeds.</summary>
    public int Capacity { get; }

    /// <summary>Sequences the current step feeds (set by <see cref="Feed"/>).</summary>
    public int Rows { get; private set; }

    /// <summary>The fed token ids (I32 [M], a view of the step input).</summary>
    public Tensor Id { get; private set; } = null!;

    /// <summary>The fed tokens' M-RoPE positions on all three streams (I32 [3, M], a view of the step input).</summary>
    public Tensor Positions { get; private set; } = null!;

    /// <summary>The residual stream of the step [M, H].</summary>
    public Tensor Hidden { get; private set; } = null!;

    /// <summary>The final-normed hidden states [M, H].</summary>
    public Tensor Normed { get; private set; } = null!;

    /// <summary>The step's logits [M, vocab].</summary>
    public Tensor Logits { get; private set; } = null!;

    /// <summary>The argmax of each row of <see cref="Logits"/> (I32 [M]).</summary>
    public Tensor NextId { get; private set; } = null!;

    /// <summary>The new keys of the fed tokens [M, kv] (null for a one-sequence step: its keys go straight into the cache).</summary>
    public Tensor? Keys { get; private set; }

    /// <summary>The new values of the fed tokens [M, kv] (null for a one-sequence step).</summary>
    public Tensor? Values { get; private set; }

    /// <summary>The pool attention's segment tables of the step (I32 [6M + 2], a view of the step input; see <see cref="Feed"/>).</summary>
    public Tensor SegmentTables { get; private set; } = null!;

    /// <summary>
    /// Uploads one token per sequence and its position in one host→device copy, with <paramref name="segmentTables"/>
    /// (empty, or the 6M + 2 values of <see cref="SegmentTables"/>) in the same copy.
    /// </summary>
    public void Feed(ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions, ReadOnlySpan<int> segmentTables = default)
    {
        int m = tokens.Length;
        if (m < 1 || m > Capacity || positions.Length != m)
            throw new ArgumentException($"a decode step feeds 1..{Capacity} sequences, one position each; got {m} tokens and {positions.Length} positions");
        if (!segmentTables.IsEmpty && (m == 1 || segmentTables.Length != KvPool.TableLength(m)))
            throw new ArgumentException($"the segment tables of a step of {m} sequences hold {KvPool.TableLength(m)} values (and a step of one has none); got {segmentTables.Length}");
        if (m != Rows) Use(m);
        tokens.CopyTo(_host);
        for (int s = 0; s < 3; s++) positions.CopyTo(_host.AsSpan((1 + s) * m, m));
        segmentTables.CopyTo(_host.AsSpan(4 * m));
        _backend.CopyFromHost(_host.AsSpan(0, 4 * m + segmentTables.Length), segmentTables.IsEmpty ? _input4m : _inputWithTables);
    }

    /// <summary>Uploads one token and its position (a one-sequence step).</summary>
    public void Feed(int token, int position) => Feed([token], [position]);

    /// <summary>Downloads the argmax ids of the step's rows (the step's one device→host copy).</summary>
    public ReadOnlySpan<int> ReadNextIds()
    {
        _backend.CopyToHost(NextId, _ids.AsSpan(0, Rows));
        return _ids.AsSpan(0, Rows);
    }

    /// <summary>Downloads the argmax id of a one-sequence step.</summary>
    public int ReadNextId() => ReadNextIds()[0];

    /// <summary>Views of every tensor for <paramref name="m"/> rows (host objects only: nothing is allocated on the device).</summary>
    private void Use(int m)
    {
        var b = _backend;
        Rows = m;
        _input4m = b.SliceRows(_input, 0, 4 * m);
        int tables = m > 1 ? KvPool.TableLength(m) : 0;
        _inputWithTables = b.SliceRows(_input, 0, 4 * m + tables);
        SegmentTables = tables > 0 ? b.SliceRows(_input, 4 * m, tables) : _input4m; // a one-sequence step has none
        Id = b.SliceRows(_input, 0, m);
        Positions = b.Reshape(b.SliceRows(_input, m, 3 * m), 3, m);
        Hidden = m == Capacity ? _hidden : b.SliceRows(_hidden, 0, m);
        Normed = m == Capacity ? _normed : b.SliceRows(_normed, 0, m);
        Logits = m == Capacity ? _logits : b.SliceRows(_logits, 0, m);
        NextId = m == Capacity ? _nextIds : b.SliceRows(_nextIds, 0, m);
        Keys = _keys is null || m == 1 ? null : b.SliceRows(_keys, 0, m);
        Values = _values is null || m == 1 ? null : b.SliceRows(_values, 0, m);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _input.Dispose();
        _hidden.Dispose();
        _normed.Dispose();
        _logits.Dispose();
        _nextIds.Dispose();
        _keys?.Dispose();
        _values?.Dispose();
    }
}
