// PruneVid.NET — pipeline: vision-tower outputs kept on the device for later questions about the same media.
using PruneVid.Compute;
using PruneVid.Strategies;

namespace PruneVid.Runtime.Pipeline;

/// <summary>
/// The vision stage's outputs (embeddings on the model's device, and the vision signals reducers asked for) of
/// recently seen media, keyed by <see cref="EncoderCacheKey"/> and bounded in bytes: the least recently used entries
/// are disposed first when a new one does not fit. A hit skips decoding (for files) and the vision tower. The cache
/// owns what it holds; a request borrows an entry through a <see cref="Lease"/>, and an entry evicted while borrowed
/// is disposed when its last lease ends. Reducers never dispose their input (<c>TokenReduction.Unchanged</c> leaves it
/// with its owner), so a borrowed entry stays intact. Thread-safe.
/// </summary>
public sealed class EncoderCache : IDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _recency = new(); // most recently used first
    private long _hits, _misses;
    private bool _disposed;

    /// <summary>A cache holding at most <paramref name="capacityBytes"/> bytes of embeddings and signals.</summary>
    public EncoderCache(long capacityBytes)
    {
        if (capacityBytes <= 0)
            throw new ArgumentOutOfRangeException(nameof(capacityBytes), $"the encoder cache needs a positive size, got {capacityBytes} bytes (turn it off instead)");
        CapacityBytes = capacityBytes;
    }

    /// <summary>The bound on the bytes held.</summary>
    public long CapacityBytes { get; }

    /// <summary>Bytes held by the entries now in the cache.</summary>
    public long BytesHeld { get; private set; }

    /// <summary>Entries now in the cache.</summary>
    public int Count { get { lock (_gate) return _entries.Count; } }

    /// <summary>Lookups that found a usable entry (the vision tower did not run).</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Lookups that found none (the vision tower ran).</summary>
    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>Whether an entry for <paramref name="key"/> is held (does not count as a lookup or refresh it).</summary>
    public bool Contains(string key) { lock (_gate) return _entries.ContainsKey(key); }

    /// <summary>
    /// The entry of <paramref name="key"/> when it holds every signal of <paramref name="signals"/>, borrowed until the
    /// lease is disposed; null (a miss) otherwise.
    /// </summary>
    internal Lease? TryGet(string key, IReadOnlyList<VisionSignalRequest> signals)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_entries.TryGetValue(key, out var node) && signals.All(node.Value.Encoded.Signals.Contains))
            {
                _recency.Remove(node);
                _recency.AddFirst(node);
                _hits++;
                return new Lease(node.Value);
            }
            _misses++;
            return null;
        }
    }

    /// <summary>The signals the entry of <paramref name="key"/> already holds (none without an entry).</summary>
    internal IReadOnlyList<VisionSignalRequest> SignalsHeld(string key)
    {
        lock (_gate) return _entries.TryGetValue(key, out var node) ? [.. node.Value.Encoded.Signals.Requests] : [];
    }

    /// <summary>
    /// Takes ownership of <paramref name="encoded"/> (replacing any entry of the same key), evicts the least recently
    /// used entries until it fits, and lends it to the caller. An output larger than the whole cache is not kept: the
    /// lease then disposes it when it ends.
    /// </summary>
    internal Lease Add(string key, EncodedVideos encoded, IReadOnlyList<(int T, int H, int W)> grids, IReadOnlyList<double> secondsPerGrid)
    {
        var entry = new Entry(key, encoded, grids, secondsPerGrid, SizeOf(encoded));
        var lease = new Lease(entry);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_entries.TryGetValue(key, out var old)) Remove(old);
            if (entry.Bytes > CapacityBytes)
            {
                entry.Evicted = true;
                return lease;
            }
            while (BytesHeld + entry.Bytes > CapacityBytes && _recency.Last is { } last) Remove(last);
            _entries[key] = _recency.AddFirst(entry);
            BytesHeld += entry.Bytes;
        }
        return lease;
    }

    /// <summary>Bytes an encoding holds: its embeddings on the device and its signals on the host.</summary>
    internal static long SizeOf(EncodedVideos encoded) =>
        encoded.Embeddings.Length * encoded.Embeddings.DType.SizeOf()
        + encoded.Signals.Requests.Count() * (long)encoded.Signals.Count * sizeof(float);

    private void Remove(LinkedListNode<Entry> node)
    {
        _recency.Remove(node);
        _entries.Remove(node.Value.Key);
        BytesHeld -= node.Value.Bytes;
        node.Value.Evicted = true;
        node.Value.DisposeIfUnused();
    }

    /// <summary>Disposes every entry not borrowed now; borrowed ones go when their lease ends.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            while (_recency.First is { } first) Remove(first);
        }
    }

    internal sealed class Entry(string key, EncodedVideos encoded, IReadOnlyList<(int T, int H, int W)> grids, IReadOnlyList<double> secondsPerGrid, long bytes)
    {
        public string Key { get; } = key;
        public EncodedVideos Encoded { get; } = encoded;
        public IReadOnlyList<(int T, int H, int W)> Grids { get; } = grids;
        public IReadOnlyList<double> SecondsPerGrid { get; } = secondsPerGrid;
        public long Bytes { get; } = bytes;
        public int Borrowers; // guarded by the entry itself
        public volatile bool Evicted; // set under the cache's lock, read under the entry's
        private bool _disposed;

        public void DisposeIfUnused()
        {
            lock (this)
            {
                if (_disposed || !Evicted || Borrowers > 0) return;
                _disposed = true;
                Encoded.Dispose();
            }
        }
    }

    /// <summary>One request's use of an entry: its encoding stays valid until the lease is disposed.</summary>
    internal sealed class Lease : IDisposable
    {
        private readonly Entry _entry;
        private int _ended;

        internal Lease(Entry entry)
        {
            _entry = entry;
            lock (entry) entry.Borrowers++;
        }

        public EncodedVideos Encoded => _entry.Encoded;
        public IReadOnlyList<(int T, int H, int W)> Grids => _entry.Grids;
        public IReadOnlyList<double> SecondsPerGrid => _entry.SecondsPerGrid;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _ended, 1) == 1) return;
            lock (_entry) _entry.Borrowers--;
            _entry.DisposeIfUnused();
        }
    }
}
