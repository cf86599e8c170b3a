// PruneVid.NET — language model: the decoder layers' scratch activations.
using PruneVid.Compute;
using PruneVid.Runtime.Config;

namespace PruneVid.Runtime.Model.Text;

/// <summary>
/// The one owner of the scratch tensors a decoder layer writes between its input and its residual stream: normed
/// input, queries, attention output, gate and up (the o_proj and down projections add straight into the residual stream). Every layer of every forward pass borrows the same
/// storage (layers run one after another), sliced to the rows of the call. Capacity grows by doubling when a longer
/// prefill arrives and never shrinks, so decode steps allocate nothing (docs/compute-backends.md, "Decode budget").
/// Gate and up, the widest ([rows, intermediate]), hold at most <see cref="FeedForwardRows"/> rows: the feed-forward
/// half of a layer runs over longer prompts in slices of that many rows (each row's result is the same either way).
/// </summary>
internal sealed class ActivationArena : IDisposable
{
    private readonly ComputeBackend _backend;
    private readonly TextConfig _config;
    private Tensor? _normed, _queries, _attention, _gate, _up;

    /// <summary>
    /// The default of <see cref="FeedForwardRows"/>: 512 rows are 2 × 22.5 MB for the 3B model, where a 1,024-token
    /// prompt would need 90 MB and an 8,192-token video prompt 720 MB (1.2 GB for 7B), while 512-row matrix multiplies
    /// still run at full speed.
    /// </summary>
    public const int DefaultFeedForwardRows = 512;

    public ActivationArena(ComputeBackend backend, TextConfig config)
    {
        _backend = backend;
        _config = config;
    }

    /// <summary>Most rows of gate and up (the feed-forward slice); changing it frees the storage, which regrows on the next rent.</summary>
    public int FeedForwardRows
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
            Release();
        }
    } = DefaultFeedForwardRows;

    /// <summary>Rows the arena holds now.</summary>
    public int Capacity { get; private set; }

    /// <summary>Views of <paramref name="rows"/> rows of every scratch tensor, growing the storage first if needed.</summary>
    public LayerScratch Rent(int rows)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        if (rows > Capacity) Grow(Math.Max(rows, 2 * Capacity));
        var b = _backend;
        int feedForward = Math.Min(rows, FeedForwardRows);
        return new LayerScratch(b.SliceRows(_normed!, 0, rows), b.SliceRows(_queries!, 0, rows), b.SliceRows(_attention!, 0, rows),
            b.SliceRows(_gate!, 0, feedForward), b.SliceRows(_up!, 0, feedForward));
    }

    private void Grow(int rows)
    {
        Release();
        var b = _backend;
        _normed = b.Allocate(DType.F32, rows, _config.HiddenSize);
        _queries = b.Allocate(DType.F32, rows, _config.QuerySize);
        _attention = b.Allocate(DType.F32, rows, _config.QuerySize);
        _gate = b.Allocate(DType.F32, Math.Min(rows, FeedForwardRows), _config.IntermediateSize);
        _up = b.Allocate(DType.F32, Math.Min(rows, FeedForwardRows), _config.IntermediateSize);
        Capacity = rows;
    }

    private void Release()
    {
        foreach (Tensor? t in new[] { _normed, _queries, _attention, _gate, _up }) t?.Dispose();
        _normed = _queries = _attention = _gate = _up = null;
        Capacity = 0;
    }

    /// <inheritdoc />
    public void Dispose() => Release();
}

/// <summary>One layer call's scratch views (rows of <see cref="ActivationArena"/>'s tensors; gate and up at most <see cref="ActivationArena.FeedForwardRows"/>).</summary>
internal readonly record struct LayerScratch(Tensor Normed, Tensor Queries, Tensor Attention, Tensor Gate, Tensor Up);
