// PruneVid.NET — language model: KV rows of prompt prefixes kept for later prompts that start the same way.
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using PruneVid.Compute;

namespace PruneVid.Runtime.Model.Text;

/// <summary>
/// The KV rows of recent prompt prefixes, so that a later prompt sharing one (the same system prompt and the same
/// video tokens, e.g. a follow-up question) prefills only what follows it. The prefix of a prompt ends with its last
/// vision placeholder (the system prompt, earlier text and every media item); it is keyed by its token ids, its
/// M-RoPE positions and the values of the vision features scattered into it, so a different video, reduction or
/// model never matches. Prompts with in-model hooks (Stage 2, FastV) neither use nor fill it: a hook rewrites the
/// cache of the layers before it, so their rows depend on the whole prompt. Least recently used entries are disposed
/// first when a new one does not fit <see cref="CapacityBytes"/>. Thread-safe.
/// </summary>
public sealed class PrefixCache : IDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _recency = new(); // most recently used first
    private bool _disposed;

    /// <summary>A cache holding at most <paramref name="capacityBytes"/> bytes of KV rows.</summary>
    public PrefixCache(long capacityBytes)
    {
        if (capacityBytes <= 0)
            throw new ArgumentOutOfRangeException(nameof(capacityBytes), $"the prefix cache needs a positive size, got {capacityBytes} bytes (turn it off instead)");
        CapacityBytes = capacityBytes;
    }

    /// <summary>The bound on the bytes held.</summary>
    public long CapacityBytes { get; }

    /// <summary>Bytes of KV rows held now.</summary>
    public long BytesHeld { get; private set; }

    /// <summary>Prefixes held now.</summary>
    public int Count { get { lock (_gate) return _entries.Count; } }

    /// <summary>Prefills that reused a prefix.</summary>
    public long Hits { get; private set; }

    /// <summary>Prefills that had a reusable prefix but found none.</summary>
    public long Misses { get; private set; }

    /// <summary>
    /// The length of the reusable prefix of <paramref name="ids"/>: up to and including its last vision placeholder;
    /// 0 when there is none or nothing follows it.
    /// </summary>
    public static int PrefixLength(ReadOnlySpan<int> ids, PlaceholderIds placeholders)
    {
        for (int i = ids.Length - 1; i >= 0; i--)
            if (ids[i] == placeholders.VideoTokenId || ids[i] == placeholders.ImageTokenId)
                return i + 1 < ids.Length ? i + 1 : 0;
        return 0;
    }

    /// <summary>
    /// The key of the first <paramref name="length"/> tokens of a prompt: their ids, their M-RoPE positions and the
    /// vision features (downloaded and hashed; all of them lie inside the prefix).
    /// </summary>
    public static string Key(ComputeBackend backend, ReadOnlySpan<int> ids, MRopePositions positions, int length, Tensor? imageEmbeds, Tensor? videoEmbeds)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(MemoryMarshal.AsBytes(ids[..length]));
        for (int s = 0; s < 3; s++) hash.AppendData(MemoryMarshal.AsBytes(positions.Values.AsSpan(s * positions.Length, length)));
        foreach (Tensor? features in new[] { imageEmbeds, videoEmbeds })
        {
            hash.AppendData([features is null ? (byte)0 : (byte)1]);
            if (features is null) continue;
            var host = new float[features.Length];
            backend.CopyToHost(features, host);
            hash.AppendData(MemoryMarshal.AsBytes(host.AsSpan()));
        }
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    /// <summary>
    /// Appends the prefix of <paramref name="key"/> to the empty <paramref name="cache"/> and returns true, or false
    /// (a miss) when it is not held.
    /// </summary>
    public bool TryRestore(string key, KvCache cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_entries.TryGetValue(key, out var node))
            {
                Misses++;
                return false;
            }
            _recency.Remove(node);
            _recency.AddFirst(node);
            cache.Append(node.Value.Rows, node.Value.Rows.Length);
            Hits++;
            return true;
        }
    }

    /// <summary>
    /// Keeps a copy of the first <paramref name="length"/> rows of <paramref name="cache"/> under <paramref name="key"/>,
    /// evicting the least recently used prefixes until it fits (a prefix larger than the whole cache is not kept).
    /// </summary>
    public void Store(string key, KvCache cache, int length)
    {
        ArgumentNullException.ThrowIfNull(cache);
        long bytes = cache.Bytes(length);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (bytes > CapacityBytes || _entries.ContainsKey(key)) return;
            while (BytesHeld + bytes > CapacityBytes && _recency.Last is { } last) Remove(last);
            KvCache rows = cache.CopyPrefix(length);
            _entries[key] = _recency.AddFirst(new Entry(key, rows, bytes));
            BytesHeld += bytes;
        }
    }

    private void Remove(LinkedListNode<Entry> node)
    {
        _recency.Remove(node);
        _entries.Remove(node.Value.Key);
        BytesHeld -= node.Value.Bytes;
        node.Value.Rows.Dispose();
    }

    /// <summary>Disposes every prefix held.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            while (_recency.First is { } first) Remove(first);
        }
    }

    private sealed record Entry(string Key, KvCache Rows, long Bytes);
}
