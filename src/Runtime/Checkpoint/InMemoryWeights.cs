// PruneVid.NET — checkpoint loading.
using System.Diagnostics.CodeAnalysis;

namespace PruneVid.Runtime.Checkpoint;

/// <summary>
/// Weights held in managed arrays (seeded random models, tests). Names are canonicalised on insert; a missing
/// <c>lm_head.weight</c> resolves to the embedding when <see cref="TieWordEmbeddings"/> is set.
/// </summary>
public sealed class InMemoryWeights : IWeightSource
{
    private readonly Dictionary<string, WeightTensor> _tensors = new(StringComparer.Ordinal);

    /// <summary>Creates an empty source.</summary>
    public InMemoryWeights(bool tieWordEmbeddings = false, string location = "in-memory weights")
    {
        TieWordEmbeddings = tieWordEmbeddings;
        Location = location;
    }

    /// <summary>Whether <c>lm_head.weight</c> falls back to <c>model.embed_tokens.weight</c>.</summary>
    public bool TieWordEmbeddings { get; }

    /// <inheritdoc />
    public string Location { get; }

    /// <summary>Adds (or replaces) a tensor under the canonical form of its name.</summary>
    public InMemoryWeights Add(WeightTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        _tensors[WeightNames.Canonicalize(tensor.Name)] = tensor;
        return this;
    }

    /// <inheritdoc />
    public IReadOnlyCollection<string> Names
    {
        get
        {
            var names = new List<string>(_tensors.Keys);
            if (TieWordEmbeddings && !_tensors.ContainsKey(WeightNames.LmHead) && _tensors.ContainsKey(WeightNames.EmbedTokens))
                names.Add(WeightNames.LmHead);
            names.Sort(StringComparer.Ordinal);
            return names;
        }
    }

    /// <inheritdoc />
    public bool TryGet(string canonicalName, [MaybeNullWhen(false)] out WeightTensor tensor)
    {
        if (_tensors.TryGetValue(canonicalName, out tensor)) return true;
        return WeightNames.TryResolveTied(canonicalName, TieWordEmbeddings, n => _tensors.GetValueOrDefault(n), out tensor);
    }

    /// <summary>Nothing to release: the arrays belong to the garbage collector.</summary>
    public void Dispose() { }
}
