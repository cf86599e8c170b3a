// PruneVid.NET — language model: one key tensor and one value tensor per layer shared by a decode batch's caches.
using PruneVid.Compute;

namespace PruneVid.Runtime.Model.Text;

/// <summary>
/// The KV caches of a <see cref="DecodeBatch"/>'s sequences as slots of one pooled tensor per layer: a cache that
/// enters (<see cref="Admit"/>) moves its rows into a free range of <see cref="KvCache.Capacity"/> rows and keeps
/// working as before (its tensors are views of the pool), so one attention call over the pool, with a segment per
/// sequence and query-less segments over the free rows between them, serves every sequence of a step
/// (<see cref="SegmentTables"/>). <see cref="Release"/> moves a cache back into tensors of its own. Admitting and
/// releasing copy a cache once; steps copy nothing. The pool grows (by half, at least to fit) when no free range fits,
/// moving every pooled cache once.
/// </summary>
internal sealed class KvPool : IDisposable
{
    private readonly ComputeBackend _backend;
    private readonly List<(KvCache Cache, int Offset)> _slots = []; // ascending offsets
    private Tensor[] _keys = [], _values = [];
    private int _rows;

    public KvPool(ComputeBackend backend) => _backend = backend;

    /// <summary>Whether <paramref name="cache"/> lives in the pool.</summary>
    public bool Holds(KvCache cache) => _slots.Exists(s => s.Cache == cache);

    /// <summary>The first pool row of <paramref name="cache"/>'s slot.</summary>
    public int OffsetOf(KvCache cache) => _slots.Find(s => s.Cache == cache) is { Cache: not null } slot
        ? slot.Offset
        : throw new InvalidOperationException("the kv cache is not in the pool");

    /// <summary>Layer <paramref name="layer"/>'s pooled keys (every slot and the free rows).</summary>
    public Tensor Keys(int layer) => _keys[layer];

    /// <summary>Layer <paramref name="layer"/>'s pooled values.</summary>
    public Tensor Values(int layer) => _values[layer];

    /// <summary>Moves <paramref name="cache"/>'s rows into a free slot of the pool (nothing when it is there already).</summary>
    public void Admit(KvCache cache)
    {
        if (Holds(cache)) return;
        _slots.RemoveAll(s => s.Cache.IsDisposed); // their owners are gone: the rows are free
        if (_slots.Count > 0 && (cache.Layers != _keys.Length || cache.KvWidth != _keys[0].RowLength || cache.StorageType != _keys[0].DType))
            throw new ArgumentException("a kv cache of another shape or element type cannot share the pool", nameof(cache));
        int need = cache.Capacity, offset = FreeRange(need);
        if (offset < 0)
        {
            Grow(cache, need);
            offset = FreeRange(need);
        }
        cache.MoveTo(l => (_backend.SliceRows(_keys[l], offset, need), _backend.SliceRows(_values[l], offset, need)));
        _slots.Add((cache, offset));
        _slots.Sort((a, b) => a.Offset.CompareTo(b.Offset));
    }

    /// <summary>Moves <paramref name="cache"/> back into tensors of its own (a disposed cache just gives its slot up).</summary>
    public void Release(KvCache cache)
    {
        int index = _slots.FindIndex(s => s.Cache == cache);
        if (index < 0) return;
        _slots.RemoveAt(index);
        if (!cache.IsDisposed)
            cache.MoveTo(_ => (_backend.Allocate(cache.StorageType, cache.Capacity, cache.KvWidth), _backend.Allocate(cache.StorageType, cache.Capacity, cache.KvWidth)));
    }

    /// <summary>
    /// The segment tables of one attention call over the pool for a step whose row s continues
    /// <paramref name="caches"/>[s] (pooled, in ascending slot order, each with its new row pending): per sequence, a
    /// query-less segment over the rows before its slot, then one query over its cached rows and the new one. Writes
    /// cuQ and cuK (2M + 1 values each); <see cref="PruneVid.Kernels.Attention.SegmentTableLayout"/> of them is 6M + 2 values.
    /// </summary>
    public static void SegmentTables(IReadOnlyList<KvCache> caches, Func<KvCache, int> offsetOf, Span<int> cuQ, Span<int> cuK)
    {
        int m = caches.Count;
        cuQ[0] = cuK[0] = 0;
        int end = 0;
        for (int s = 0; s < m; s++)
        {
            int offset = offsetOf(caches[s]);
            if (offset < end) throw new ArgumentException("the step's caches must be in ascending slot order", nameof(caches));
            cuQ[2 * s + 1] = s;
            cuK[2 * s + 1] = offset;
            end = offset + caches[s].Length + 1;
            cuQ[2 * s + 2] = s + 1;
            cuK[2 * s + 2] = end;
        }
    }

    /// <summary>Values of one segment-table layout for a step of <paramref name="m"/> sequences (see <see cref="SegmentTables"/>).</summary>
    public static int TableLength(int m) => 6 * m + 2;

    /// <summary>Releases every cache still pooled (disposed ones just give their slots up), then frees the pool.</summary>
    public void Dispose()
    {
        foreach (var (cache, _) in _slots.ToArray()) Release(cache);
        FreeTensors();
    }

    /// <summary>The first row of a free range of <paramref name="rows"/> rows between or after the slots, or −1.</summary>
    private int FreeRange(int rows)
    {
        int start = 0;
        foreach (var (cache, offset) in _slots)
        {
            if (offset - start >= rows) return start;
            start = offset + cache.Capacity;
        }
        return _rows - start >= rows ? start : -1;
    }

    /// <summary>New pool tensors with room for the pooled caches packed plus <paramref name="need"/> rows; every pooled cache moves once.</summary>
    private void Grow(KvCache like, int need)
    {
        int packed = _slots.Sum(s => s.Cache.Capacity);
        int rows = Math.Max(checked(packed + need), _rows + _rows / 2);
        Tensor[] keys = new Tensor[like.Layers], values = new Tensor[like.Layers];
        for (int l = 0; l < like.Layers; l++)
        {
            keys[l] = _backend.Allocate(like.StorageType, rows, like.KvWidth);
            values[l] = _backend.Allocate(like.StorageType, rows, like.KvWidth);
        }
        int offset = 0;
        for (int i = 0; i < _slots.Count; i++)
        {
            KvCache cache = _slots[i].Cache;
            int at = offset, capacity = cache.Capacity;
            if (!cache.IsDisposed) cache.MoveTo(l => (_backend.SliceRows(keys[l], at, capacity), _backend.SliceRows(values[l], at, capacity)));
            _slots[i] = (cache, at);
            offset += capacity;
        }
        FreeTensors();
        _keys = keys;
        _values = values;
        _rows = rows;
    }

    private void FreeTensors()
    {
        foreach (Tensor t in _keys) t.Dispose();
        foreach (Tensor t in _values) t.Dispose();
        _keys = _values = [];
        _rows = 0;
    }
}
