// PruneVid.NET — token-reduction contract.
using PruneVid.Compute;

namespace PruneVid.Strategies;

/// <summary>
/// The input of a reducer: the embeddings of one video after the vision merger, in raster (t, h, w) order, with
/// every token's M-RoPE offset from the video's base position (what it adds to that base in the unreduced prompt;
/// see <see cref="TokenPosition"/>).
/// </summary>
public sealed class VideoTokens
{
    /// <summary>Checks that embeddings, grid and positions describe the same tokens.</summary>
    /// <param name="embeddings">[N, C] F32 (or BF16) tensor on its backend.</param>
    /// <param name="grid">Grid in merged units; N must equal T · H · W.</param>
    /// <param name="positions">N offsets from the video's base position, one per row of <paramref name="embeddings"/>.</param>
    /// <param name="signals">Vision-side signals the reducer asked for (<see cref="IRequestsVisionSignals"/>), one value per token.</param>
    public VideoTokens(Tensor embeddings, VideoGrid grid, IReadOnlyList<TokenPosition> positions, VisionSignals? signals = null)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        ArgumentNullException.ThrowIfNull(positions);
        grid.Validate();
        if (embeddings.Shape.Length != 2)
            throw new ArgumentException($"video embeddings must be [N, C], got [{string.Join(",", embeddings.Shape)}]", nameof(embeddings));
        if (embeddings.Rows != grid.Tokens)
            throw new ArgumentException($"video embeddings have {embeddings.Rows} rows but grid {grid} holds {grid.Tokens} tokens", nameof(embeddings));
        if (positions.Count != grid.Tokens)
            throw new ArgumentException($"{positions.Count} positions given for {grid.Tokens} tokens of grid {grid}", nameof(positions));
        if (signals is { Count: > 0 } && signals.Count != grid.Tokens)
            throw new ArgumentException($"vision signals cover {signals.Count} tokens, grid {grid} holds {grid.Tokens}", nameof(signals));
        Embeddings = embeddings;
        Grid = grid;
        Positions = positions;
        Signals = signals ?? VisionSignals.Empty;
    }

    /// <summary>Vision-side signals computed during the encode (empty unless the reducer requested some).</summary>
    public VisionSignals Signals { get; }

    /// <summary>[N, C] embeddings.</summary>
    public Tensor Embeddings { get; }

    /// <summary>The backend that owns <see cref="Embeddings"/>.</summary>
    public ComputeBackend Backend => Embeddings.Backend;

    /// <summary>Grid in merged units.</summary>
    public VideoGrid Grid { get; }

    /// <summary>M-RoPE offset of every input token from the video's base position.</summary>
    public IReadOnlyList<TokenPosition> Positions { get; }

    /// <summary>Number of tokens N.</summary>
    public int Count => Grid.Tokens;

    /// <summary>Width C.</summary>
    public int Channels => Embeddings.Shape[1];
}
