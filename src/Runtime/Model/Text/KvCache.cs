// PruneVid.NET — language model: key/value cache.
using PruneVid.Compute;

namespace PruneVid.Runtime.Model.Text;

/// <summary>
/// The keys (after M-RoPE) and values of one sequence, per decoder layer, stored contiguously: layer l holds
/// K and V tensors [Capacity, kvHeads·headDim] whose first <see cref="Length"/> rows are valid. An in-model token
/// reducer drops rows while they are being written (<see cref="KeepPending"/>); a paged layout can replace this class
/// behind the same members later. Rows are F32 or BF16 (<see cref="DType"/>): a BF16 cache (what HF's bf16
/// inference keeps) halves the bytes a decode step reads; its pending rows are written in F32 to a staging tensor
/// shared by the layers and rounded into the cache by <see cref="StorePending"/> (docs/numerics.md).
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly ComputeBackend _backend;
    private readonly Tensor[] _keys;
    private readonly Tensor[] _values;
    private Tensor? _stagedKeys, _stagedValues; // F32 pending rows of a BF16 cache, grown on demand

    /// <summary>Allocates an empty cache for <paramref name="capacity"/> tokens whose rows are <paramref name="dtype"/> (F32 or BF16).</summary>
    public KvCache(ComputeBackend backend, int layers, int kvWidth, int capacity, DType dtype = DType.F32)
    {
        ArgumentNullException.ThrowIfNull(backend);
        if (layers <= 0 || kvWidth <= 0 || capacity <= 0)
            throw new ArgumentOutOfRangeException(nameof(capacity), $"kv cache needs positive layers ({layers}), width ({kvWidth}) and capacity ({capacity})");
        if (dtype != DType.F32 && dtype != DType.BF16)
            throw new ArgumentException($"a kv cache holds F32 or BF16 rows, not {dtype}", nameof(dtype));
        _backend = backend;
        KvWidth = kvWidth;
        Capacity = capacity;
        DType = dtype;
        _keys = new Tensor[layers];
        _values = new Tensor[layers];
        for (int l = 0; l < layers; l++)
        {
            _keys[l] = backend.Allocate(dtype, capacity, kvWidth);
            _values[l] = backend.Allocate(dtype, capacity, kvWidth);
        }
    }

    /// <summary>The element type of the cached rows: F32, or BF16 (rounded from the F32 projections).</summary>
    public DType DType { get; }

    /// <summary>Bytes of keys and values that <paramref name="rows"/> tokens occupy over every layer.</summary>
    public long Bytes(int rows) => 2L * Layers * rows * KvWidth * (DType == DType.BF16 ? sizeof(ushort) : sizeof(float));

    /// <summary>Decoder layers covered.</summary>
    public int Layers => _keys.Length;

    /// <summary>Width of one cached row (kv heads × head dim).</summary>
    public int KvWidth { get; }

    /// <summary>Rows allocated per layer.</summary>
    public int Capacity { get; }

    /// <summary>Valid rows (tokens) in every layer.</summary>
    public int Length { get; private set; }

    /// <summary>
    /// Where the next <paramref name="count"/> tokens' keys of layer <paramref name="layer"/> are written (F32):
    /// rows [Length, Length + count) of an F32 cache; of a BF16 cache, the staging rows that
    /// <see cref="StorePending"/> then rounds into those rows.
    /// </summary>
    public Tensor PendingKeys(int layer, int count)
    {
        CheckLayer(layer);
        int start = CheckPending(count);
        return DType == DType.F32 ? _backend.SliceRows(_keys[layer], start, count) : Staged(ref _stagedKeys, count);
    }

    /// <summary>Where the next <paramref name="count"/> tokens' values of layer <paramref name="layer"/> are written (see <see cref="PendingKeys"/>).</summary>
    public Tensor PendingValues(int layer, int count)
    {
        CheckLayer(layer);
        int start = CheckPending(count);
        return DType == DType.F32 ? _backend.SliceRows(_values[layer], start, count) : Staged(ref _stagedValues, count);
    }

    /// <summary>
    /// Makes the <paramref name="count"/> pending keys and values of layer <paramref name="layer"/>, once final (keys
    /// rotated), part of the cache's rows: a BF16 cache rounds the staging rows into rows [Length, Length + count)
    /// (nearest, ties to even); an F32 cache already holds them. Call before the layer's attention reads them.
    /// </summary>
    public void StorePending(int layer, int count)
    {
        CheckLayer(layer);
        int start = CheckPending(count);
        if (DType == DType.F32 || count == 0) return;
        _backend.ConvertToBf16(Staged(ref _stagedKeys, count), _backend.SliceRows(_keys[layer], start, count));
        _backend.ConvertToBf16(Staged(ref _stagedValues, count), _backend.SliceRows(_values[layer], start, count));
    }

    /// <summary>The first <paramref name="count"/> rows of a staging tensor, grown to fit (the layers run one after another on one stream).</summary>
    private Tensor Staged(ref Tensor? staging, int count)
    {
        if (staging is null || staging.Rows < count)
        {
            staging?.Dispose();
            staging = _backend.Allocate(DType.F32, Math.Max(count, 1), KvWidth);
        }
        return _backend.SliceRows(staging, 0, count);
    }

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
        using Tensor scratch = _backend.Allocate(DType, rows.Count, KvWidth);
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
        var copy = new KvCache(_backend, Layers, KvWidth, rows, DType);
        copy.Append(this, rows);
        return copy;
    }

    /// <summary>Appends the first <paramref name="rows"/> valid rows of <paramref name="source"/> (same shape) in every layer and commits them.</summary>
    public void Append(KvCache source, int rows)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Layers != Layers || source.KvWidth != KvWidth) throw new ArgumentException("the source cache has another shape", nameof(source));
        if (source.DType != DType) throw new ArgumentException($"the source cache holds {source.DType} rows, this one {DType}", nameof(source));
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
        _stagedKeys?.Dispose();
        _stagedValues?.Dispose();
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
