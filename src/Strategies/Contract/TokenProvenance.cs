// PruneVid.NET — token-reduction contract.
namespace PruneVid.Strategies;

/// <summary>
/// Which input tokens every output token covers, stored compactly (CSR): the sources of output i are
/// <c>Sources[Offsets[i] .. Offsets[i + 1])</c>, as indices into the reducer's input rows.
/// </summary>
public sealed class TokenProvenance
{
    private readonly int[] _offsets;
    private readonly int[] _sources;

    /// <summary>Wraps CSR arrays (offsets has one entry more than there are output tokens).</summary>
    public TokenProvenance(int[] offsets, int[] sources)
    {
        ArgumentNullException.ThrowIfNull(offsets);
        ArgumentNullException.ThrowIfNull(sources);
        if (offsets.Length == 0 || offsets[0] != 0 || offsets[^1] != sources.Length)
            throw new ArgumentException($"provenance offsets must start at 0 and end at the source count {sources.Length}", nameof(offsets));
        for (int i = 1; i < offsets.Length; i++)
            if (offsets[i] < offsets[i - 1]) throw new ArgumentException($"provenance offsets decrease at output {i - 1}", nameof(offsets));
        _offsets = offsets;
        _sources = sources;
    }

    /// <summary>Every output token covers exactly the input token with the same index (no reduction).</summary>
    public static TokenProvenance Identity(int count)
    {
        var offsets = new int[count + 1];
        var sources = new int[count];
        for (int i = 0; i < count; i++) { offsets[i + 1] = i + 1; sources[i] = i; }
        return new TokenProvenance(offsets, sources);
    }

    /// <summary>Output token i covers <c>groups[i]</c>.</summary>
    public static TokenProvenance FromGroups(IReadOnlyList<IReadOnlyList<int>> groups)
    {
        var offsets = new int[groups.Count + 1];
        var sources = new List<int>();
        for (int i = 0; i < groups.Count; i++)
        {
            sources.AddRange(groups[i]);
            offsets[i + 1] = sources.Count;
        }
        return new TokenProvenance(offsets, sources.ToArray());
    }

    /// <summary>Number of output tokens.</summary>
    public int Count => _offsets.Length - 1;

    /// <summary>The input tokens covered by output token <paramref name="output"/>.</summary>
    public ReadOnlySpan<int> this[int output] => _sources.AsSpan(_offsets[output], _offsets[output + 1] - _offsets[output]);

    /// <summary>CSR offsets (Count + 1 entries).</summary>
    public ReadOnlySpan<int> Offsets => _offsets;

    /// <summary>CSR sources.</summary>
    public ReadOnlySpan<int> Sources => _sources;
}
