// PruneVid.NET — language model: key/value cache.
using PruneVid.Compute;

namespace PruneVid.Runtime.Model.Text;

/// <summary>
/// The keys (after M-RoPE) and values of one sequence, per decoder layer, stored contiguously: layer l holds
/// K and V tensors [Capacity, kvHeads·headDim] whose first <see cref="Length"/> rows are valid. An in-model token
/// reducer drops rows while they are being written (<see cref="KeepPending"/>); a paged layout can replace this class
/// behind the same members later.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly ComputeBackend _backend;
    private readonly Tensor[] _keys;
    private readonly Tensor[] _values;

    /// <summary>Allocates an empty cache for <paramref name="capacity"/> tokens.</summary>
    public KvCache(ComputeBackend backend, int layers, int kvWidth, int capacity)
    {
        ArgumentNullException.ThrowIfNull(backend);
        if (layers <= 0 || kvWidth <= 0 || capacity <= 0)
            throw new ArgumentOutOfRangeException(nameof(capacity), $"kv cache needs positive layers ({layers}), width ({kvWidth}) and capacity ({capacity})");
        _backend = backend;
        KvWidth = kvWidth;
        Capacity = capacity;
        _keys = new Tensor[layers];
        _values = new Tensor[layers];
        for (int l = 0; l < layers; l++)
        {
            _keys[l] = backend.Allocate(DType.F32, capacity, kvWidth);
            _values[l] = backend.Allocate(DType.F32, capacity, kvWidth);
        }
    }

    /// <summary>Decoder layers covered.</summary>
    public int Layers => _keys.Length;

    /// <summary>Width of one cached row (kv heads × head dim).</summary>
    public int KvWidth { get; }

    /// <summary>Rows allocated per layer.</summary>
    public int Capacity { get; }

    /// <summary>Valid rows (tokens) in every layer.</summary>
    public int Length { get; private set; }

    /// <summary>Rows [Length, Length + count) of layer <paramref name="layer"/>'s keys, where the next tokens' keys are written.</summary>
    public Tensor PendingKeys(int layer, int count) => _backend.SliceRows(_keys[CheckLayer(layer)], CheckPending(count), count);

    /// <summary>Rows [Length, Length + count) of layer <paramref name="layer"/>'s values.</summary>
    public Tensor PendingValues(int layer, int count) => _backend.SliceRows(_values[CheckLayer(layer)], CheckPending(count), count);

    /// <summary>The valid keys plus <paramref name="pending"/> rows being written: [Length + pending, KvWidth].</summary>
    public Tensor Keys(int layer, int pending = 0) => _backend.SliceRows(_keys[CheckLayer(layer)], 0, Length + pending);

    /// <summary>The valid values plus <paramref name="pending"/> rows being written.</summary>
    public Tensor Values(int layer, int pending = 0) => _backend.SliceRows(_values[CheckLayer(layer)], 0, Length + pending);

    /// <summary>Marks <paramref name="count"/> pending rows (written in every layer) as valid.</summary>
    public void Commit(int count)
    {
        CheckPending(count);
        Length += count;
    }

    /// <summary>
    /// Keeps, of the <paramref name="pending"/> rows being written, only <paramref name="rows"/> (ascending, unique,
    /// 0-based among the pending rows), compacted in that order, in layers 0..<paramref name="throughLayer"/> — the
    /// layers that already wrote them. Keys keep their rotation: nothing is re-rotated.
    /// </summary>
    public void KeepPending(int pending, IReadOnlyList<int> rows, int throughLayer)
    {
        ArgumentNullException.ThrowIfNull(rows);
        CheckPending(pending);
        CheckLayer(throughLayer);
        for (int i = 0; i < rows.Count; i++)
            if (rows[i] < 0 || rows[i] >= pending || (i > 0 && rows[i] <= rows[i - 1]))
                throw new ArgumentException($"kept rows must be ascending, unique and inside 0..{pending - 1}; row {i} is {rows[i]}", nameof(rows));
        if (rows.Count == pending || rows.Count == 0) return;
        using Tensor index = _backend.FromI32([.. rows], rows.Count);
        using Tensor scratch = _backend.Allocate(DType.F32, rows.Count, KvWidth);
        for (int l = 0; l <= throughLayer; l++)
            foreach (Tensor t in new[] { _keys[l], _values[l] })
            {
                _backend.GatherRows(_backend.SliceRows(t, Length, pending), index, scratch);
                _backend.Copy(scratch, _backend.SliceRows(t, Length, rows.Count));
            }
    }

    /// <summary>A new cache holding a copy of this one's first <paramref name="rows"/> valid rows (capacity <paramref name="rows"/>).</summary>
    public KvCache CopyPrefix(int rows)
    {
        if (rows <= 0 || rows > Length) throw new ArgumentOutOfRangeException(nameof(rows), $"a prefix of {rows} rows of a cache holding {Length}");
        var copy = new KvCache(_backend, Layers, KvWidth, rows);
        copy.Append(this, rows);
        return copy;
    }

    /// <summary>Appends the first <paramref name="rows"/> valid rows of <paramref name="source"/> (same shape) in every layer and commits them.</summary>
    public void Append(KvCache source, int rows)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Layers != Layers || source.KvWidth != KvWidth) throw new ArgumentException("the source cache has another shape", nameof(source));
        if (rows < 0 || rows > source.Length) throw new ArgumentOutOfRangeException(nameof(rows), $"{rows} rows of a cache holding {source.Length}");
        CheckPending(rows);
        for (int l = 0; l < Layers; l++)
        {
            _backend.Copy(_backend.SliceRows(source._keys[l], 0, rows), _backend.SliceRows(_keys[l], Length, rows));
            _backend.Copy(_backend.SliceRows(source._values[l], 0, rows), _backend.SliceRows(_values[l], Length, rows));
        }
        _backend.Synchronize(); // the source may be disposed as soon as this returns
        Commit(rows);
    }

    /// <summary>
    /// Moves the cache into other storage of <see cref="Capacity"/> rows per layer (a slot of a
    /// <see cref="KvPool"/>, or tensors of its own again): copies the valid rows, frees the storage it owned, and from
    /// then on reads and writes the new tensors (<paramref name="storage"/> gives layer l's keys and values; the cache
    /// owns them if they are owners, not if they are views).
    /// </summary>
    internal void MoveTo(Func<int, (Tensor Keys, Tensor Values)> storage)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        Tensor[] oldKeys = [.. _keys], oldValues = [.. _values];
        var targets = new (Tensor Keys, Tensor Values)[Layers];
        for (int l = 0; l < Layers; l++)
        {
            var (keys, values) = targets[l] = storage(l);
            if (keys.Rows != Capacity || values.Rows != Capacity || keys.RowLength != KvWidth || values.RowLength != KvWidth)
                throw new ArgumentException($"a kv cache of capacity {Capacity} and width {KvWidth} cannot move into {keys} / {values}", nameof(storage));
        }
        for (int l = 0; l < Layers; l++)
        {
            var (keys, values) = targets[l]; // all checked before anything moves
            if (Length > 0)
            {
                _backend.Copy(_backend.SliceRows(oldKeys[l], 0, Length), _backend.SliceRows(keys, 0, Length));
                _backend.Copy(_backend.SliceRows(oldValues[l], 0, Length), _backend.SliceRows(values, 0, Length));
            }
            _keys[l] = keys;
            _values[l] = values;
        }
        _backend.Synchronize(); // the copies have read the old storage before it is freed
        foreach (Tensor t in oldKeys) t.Dispose();
        foreach (Tensor t in oldValues) t.Dispose();
    }

    /// <summary>The element type of the stored rows.</summary>
    internal DType StorageType => _keys[0].DType;

    /// <summary>True once <see cref="Dispose"/> ran.</summary>
    internal bool IsDisposed { get; private set; }

    /// <inheritdoc />
    public void Dispose()
    {
        IsDisposed = true;
        foreach (Tensor t in _keys) t.Dispose();
        foreach (Tensor t in _values) t.Dispose();
    }

    private int CheckLayer(int layer) => (uint)layer < (uint)_keys.Length
        ? layer
        : throw new ArgumentOutOfRangeException(nameof(layer), layer, $"the cache has {_keys.Length} layers");

    private int CheckPending(int count)
    {
        if (count < 0 || Length + count > Capacity)
            throw new InvalidOperationException($"kv cache full: {Length} tokens cached, {count} more do not fit in capacity {Capacity}");
        return Length;
    }
}
