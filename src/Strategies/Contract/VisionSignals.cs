// PruneVid.NET — token-reduction contract.
namespace PruneVid.Strategies;

/// <summary>What a vision-side signal measures. Every signal holds one value per merged video token, in raster order.</summary>
public enum VisionSignalKind
{
    /// <summary>
    /// FastVID's frame saliency: per temporal step and head, the softmax of the step's mean query against each merge
    /// unit's mean key, averaged over heads (rows of one step sum to 1).
    /// </summary>
    FrameSaliency,

    /// <summary>
    /// Attention received: the column sums of the block's softmax attention (over the block's own segments), summed
    /// over heads and over the patches of a merge unit. Qwen2.5-VL's tower has no [CLS] token, so VisionZip ports rank
    /// tokens by this.
    /// </summary>
    AttentionColumnSums,
}

/// <summary>
/// One signal a reducer asks the vision encoder for. <paramref name="Block"/> is a vision block index; negative
/// values count from the end (−1 is the last block, −2 the one before).
/// </summary>
public readonly record struct VisionSignalRequest(VisionSignalKind Kind, int Block)
{
    /// <summary>FastVID's saliency of the last vision block.</summary>
    public static VisionSignalRequest LastBlockSaliency => new(VisionSignalKind.FrameSaliency, -1);

    /// <summary>The block this request names in a tower of <paramref name="depth"/> blocks, or a clear error.</summary>
    public int ResolveBlock(int depth)
    {
        int block = Block < 0 ? depth + Block : Block;
        if (block < 0 || block >= depth)
            throw new ArgumentOutOfRangeException(nameof(Block), $"vision signal {this} names block {Block}, but the vision tower has {depth} blocks");
        return block;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Kind} of vision block {Block}";
}

/// <summary>
/// Implemented by a reducer that scores tokens with signals computed inside the vision tower. The pipeline asks the
/// encoder for exactly these during the same encode and hands them to the reducer through
/// <see cref="VideoTokens.Signals"/>; a reducer without this interface costs the encoder nothing extra.
/// </summary>
public interface IRequestsVisionSignals
{
    /// <summary>The signals this instance needs (may depend on its options, e.g. a block index).</summary>
    IReadOnlyList<VisionSignalRequest> VisionSignals { get; }
}

/// <summary>The vision signals of one encode (or one video of it): one value per merged token, raster order.</summary>
public sealed class VisionSignals
{
    private readonly Dictionary<VisionSignalRequest, float[]> _values;

    /// <summary>Wraps computed signals (each array one value per token).</summary>
    public VisionSignals(IReadOnlyDictionary<VisionSignalRequest, float[]> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        _values = new Dictionary<VisionSignalRequest, float[]>(values);
        int? length = null;
        foreach (var (request, data) in _values)
        {
            ArgumentNullException.ThrowIfNull(data, request.ToString());
            if (length is { } l && l != data.Length)
                throw new ArgumentException($"vision signal {request} has {data.Length} values, another has {l}", nameof(values));
            length = data.Length;
        }
        Count = length ?? 0;
    }

    /// <summary>No signals.</summary>
    public static VisionSignals Empty { get; } = new(new Dictionary<VisionSignalRequest, float[]>());

    /// <summary>Tokens covered (0 when empty).</summary>
    public int Count { get; }

    /// <summary>The signals held.</summary>
    public IEnumerable<VisionSignalRequest> Requests => _values.Keys;

    /// <summary>Whether <paramref name="request"/> was computed.</summary>
    public bool Contains(VisionSignalRequest request) => _values.ContainsKey(request);

    /// <summary>The values of <paramref name="request"/>, or a message saying the encoder was not asked for it.</summary>
    public ReadOnlySpan<float> Get(VisionSignalRequest request) => _values.TryGetValue(request, out float[]? data)
        ? data
        : throw new InvalidOperationException(
            $"the vision signal '{request}' was not computed: the reducer must list it in IRequestsVisionSignals.VisionSignals so the encoder computes it");

    /// <summary>The signals of tokens [<paramref name="start"/>, start + count) (one video of a multi-video encode).</summary>
    public VisionSignals Slice(int start, int count)
    {
        if (start < 0 || count < 0 || start + count > Count)
            throw new ArgumentOutOfRangeException(nameof(start), $"tokens {start}..{start + count} are outside the {Count} the signals cover");
        return new VisionSignals(_values.ToDictionary(p => p.Key, p => p.Value.AsSpan(start, count).ToArray()));
    }
}
