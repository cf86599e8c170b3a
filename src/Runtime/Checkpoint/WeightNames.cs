// PruneVid.NET — checkpoint loading.
namespace PruneVid.Runtime.Checkpoint;

/// <summary>
/// Canonical weight names: the published hub names (docs/model.md §2.1). Checkpoints re-saved by transformers ≥ 4.52
/// use <c>model.language_model.*</c> / <c>model.visual.*</c> (§2.2); both schemes map to one set of names here.
/// </summary>
public static class WeightNames
{
    /// <summary>Token embedding table [vocab, hidden].</summary>
    public const string EmbedTokens = "model.embed_tokens.weight";

    /// <summary>Output projection [vocab, hidden]; absent from tied checkpoints (3B).</summary>
    public const string LmHead = "lm_head.weight";

    /// <summary>Final RMSNorm of the language model.</summary>
    public const string FinalNorm = "model.norm.weight";

    private const string NewTextPrefix = "model.language_model.";
    private const string NewVisionPrefix = "model.visual.";

    /// <summary>Maps a name as stored in a checkpoint to its canonical (published) form.</summary>
    public static string Canonicalize(string storedName)
    {
        ArgumentNullException.ThrowIfNull(storedName);
        if (storedName.StartsWith(NewTextPrefix, StringComparison.Ordinal)) return "model." + storedName[NewTextPrefix.Length..];
        if (storedName.StartsWith(NewVisionPrefix, StringComparison.Ordinal)) return "visual." + storedName[NewVisionPrefix.Length..];
        return storedName;
    }

    /// <summary>Prefix of text decoder layer <paramref name="layer"/> (<c>model.layers.{i}.</c>).</summary>
    public static string TextLayer(int layer) => $"model.layers.{layer}.";

    /// <summary>Prefix of vision block <paramref name="block"/> (<c>visual.blocks.{i}.</c>).</summary>
    public static string VisionBlock(int block) => $"visual.blocks.{block}.";

    /// <summary>
    /// The tie rule used by every <see cref="IWeightSource"/> here: when <see cref="LmHead"/> is asked for, is absent,
    /// and the model ties word embeddings, the embedding table answers instead.
    /// </summary>
    internal static bool TryResolveTied(string canonicalName, bool tieWordEmbeddings, Func<string, WeightTensor?> lookup, out WeightTensor? tensor)
    {
        tensor = null;
        if (!tieWordEmbeddings || canonicalName != LmHead) return false;
        tensor = lookup(EmbedTokens);
        return tensor is not null;
    }
}
