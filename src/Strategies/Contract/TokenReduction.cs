// PruneVid.NET — token-reduction contract.
using PruneVid.Compute;

namespace PruneVid.Strategies;

/// <summary>
/// The output of a reducer for one video: the tokens to place in the prompt, with a position and provenance per
/// token. The pipeline inserts exactly <see cref="Count"/> placeholders, so the counts are checked to agree here.
/// Who disposes the embeddings is part of the value (<see cref="OwnsEmbeddings"/>): the constructor hands a new tensor
/// over, <see cref="Unchanged"/> returns the reducer's input, which stays its owner's.
/// </summary>
public sealed class TokenReduction
{
    /// <summary>
    /// A reduction whose <paramref name="embeddings"/> are a new tensor (or a view of the input, whose disposal frees
    /// nothing) handed over to the consumer, who disposes it. Checks that embeddings, positions and provenance describe
    /// the same output tokens. A reducer that returns its input unchanged uses <see cref="Unchanged"/> instead.
    /// </summary>
    public TokenReduction(Tensor embeddings, IReadOnlyList<TokenPosition> positions, TokenProvenance provenance,
        IReadOnlyList<TokenSegment>? segments = null, IReadOnlyList<ILanguageModelReductionHook>? languageModelHooks = null)
        : this(embeddings, positions, provenance, segments, languageModelHooks, ownsEmbeddings: true)
    {
    }

    internal TokenReduction(Tensor embeddings, IReadOnlyList<TokenPosition> positions, TokenProvenance provenance,
        IReadOnlyList<TokenSegment>? segments, IReadOnlyList<ILanguageModelReductionHook>? languageModelHooks, bool ownsEmbeddings)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        ArgumentNullException.ThrowIfNull(positions);
        ArgumentNullException.ThrowIfNull(provenance);
        if (embeddings.Shape.Length != 2)
            throw new ArgumentException($"reduced embeddings must be [M, C], got [{string.Join(",", embeddings.Shape)}]", nameof(embeddings));
        if (positions.Count != embeddings.Rows)
            throw new ArgumentException($"{positions.Count} positions for {embeddings.Rows} reduced tokens", nameof(positions));
        if (provenance.Count != embeddings.Rows)
            throw new ArgumentException($"provenance of {provenance.Count} tokens for {embeddings.Rows} reduced tokens", nameof(provenance));
        Embeddings = embeddings;
        Positions = positions;
        Provenance = provenance;
        Segments = segments ?? [];
        LanguageModelHooks = languageModelHooks ?? [];
        OwnsEmbeddings = ownsEmbeddings;
    }

    /// <summary>Every token of <paramref name="video"/> as it is: its own embeddings (not handed over) and positions.</summary>
    public static TokenReduction Unchanged(VideoTokens video, IReadOnlyList<ILanguageModelReductionHook>? languageModelHooks = null)
    {
        ArgumentNullException.ThrowIfNull(video);
        return new TokenReduction(video.Embeddings, video.Positions, TokenProvenance.Identity(video.Count), null, languageModelHooks, ownsEmbeddings: false);
    }

    /// <summary>
    /// True when <see cref="Embeddings"/> is handed over with this reduction (its consumer disposes it); false when it is
    /// the reducer's input (see <see cref="Unchanged"/>), which its owner keeps and disposes.
    /// </summary>
    public bool OwnsEmbeddings { get; }

    /// <summary>[M, C] embeddings of the kept or merged tokens, in prompt order.</summary>
    public Tensor Embeddings { get; }

    /// <summary>M-RoPE position of every output token (original ids of a real input token; never renumbered).</summary>
    public IReadOnlyList<TokenPosition> Positions { get; }

    /// <summary>Input tokens covered by every output token.</summary>
    public TokenProvenance Provenance { get; }

    /// <summary>Temporal segments with their static/dynamic group sizes (empty when the reducer has none).</summary>
    public IReadOnlyList<TokenSegment> Segments { get; }

    /// <summary>Hooks to run inside the language model for this video (empty for reducers that act only before it).</summary>
    public IReadOnlyList<ILanguageModelReductionHook> LanguageModelHooks { get; }

    /// <summary>Number of output tokens M: the number of placeholders the prompt gets.</summary>
    public int Count => Embeddings.Rows;
}
