// PruneVid.NET — tokenizer.
namespace PruneVid.Runtime.Text;

/// <summary>
/// Finds added tokens (<c>&lt;|im_start|&gt;</c>, <c>&lt;tool_call&gt;</c>, …) in raw text, leftmost-longest like
/// Hugging Face's added-vocabulary matcher, and yields the pieces in order.
/// </summary>
internal sealed class AddedTokenSplitter
{
    private readonly (string Text, int Id)[] _tokens;
    private readonly HashSet<char> _firstChars;

    public AddedTokenSplitter(IReadOnlyDictionary<string, int> addedTokens)
    {
        // Longest first, so the first hit at a position is the longest one.
        _tokens = addedTokens.Where(t => t.Key.Length > 0).Select(t => (t.Key, t.Value))
            .OrderByDescending(t => t.Key.Length).ThenBy(t => t.Key, StringComparer.Ordinal).ToArray();
        _firstChars = _tokens.Select(t => t.Text[0]).ToHashSet();
    }

    /// <summary>Pieces as (offset, length, id): id is the added token's id, or −1 for plain text between tokens.</summary>
    public IEnumerable<(int Offset, int Length, int Id)> Split(string text)
    {
        int plainStart = 0;
        for (int i = 0; i < text.Length; i++)
        {
            if (!_firstChars.Contains(text[i])) continue;
            foreach (var (token, id) in _tokens)
            {
                if (string.CompareOrdinal(text, i, token, 0, token.Length) != 0 || i + token.Length > text.Length) continue;
                if (i > plainStart) yield return (plainStart, i - plainStart, -1);
                yield return (i, token.Length, id);
                i += token.Length - 1;
                plainStart = i + 1;
                break;
            }
        }
        if (plainStart < text.Length) yield return (plainStart, text.Length - plainStart, -1);
    }
}
