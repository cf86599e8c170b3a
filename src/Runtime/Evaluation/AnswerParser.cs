// PruneVid.NET — evaluation: reading the chosen option out of a generated answer, deterministically.
using System.Text.RegularExpressions;

namespace PruneVid.Runtime.Evaluation;

/// <summary>
/// The MMMU-style parsing lmms-eval applies (a letter as <c>B</c>, <c>(B)</c>, <c>B.</c> or <c>B)</c>, else an
/// option's text in a longer reply; several candidates: the one mentioned first), except that an unparsable
/// answer gives no prediction instead of a random letter, so scores never vary between runs.
/// </summary>
public static partial class AnswerParser
{
    /// <summary>The chosen option's index, or null when the reply names none unambiguously.</summary>
    public static int? Parse(string reply, IReadOnlyList<string> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(reply)) return null;
        string text = reply.Trim();
        char last = (char)('A' + options.Count - 1);

        // A bare letter, possibly wrapped: "B", "(B)", "B.", "B)", "B: …", "Answer: B".
        var letters = new List<(int Position, int Index)>();
        foreach (Match m in LetterPattern().Matches(text))
        {
            char c = m.Groups["l"].Value[0];
            if (c <= last) letters.Add((m.Index, c - 'A'));
        }
        if (letters.Count > 0) return letters.MinBy(l => l.Position).Index;

        // No letter: an option's text, when exactly one earliest mention exists.
        var mentions = options.Select((o, i) => (Position: text.IndexOf(o.Trim().TrimEnd('.'), StringComparison.OrdinalIgnoreCase), Index: i))
            .Where(m => m.Position >= 0).ToList();
        if (mentions.Count == 0) return null;
        int first = mentions.Min(m => m.Position);
        var earliest = mentions.Where(m => m.Position == first).ToList();
        return earliest.Count == 1 ? earliest[0].Index : null;
    }

    // A capital letter standing alone: not inside a word ("A" in "Apple" or "I" in "I think" are not letters).
    // "I"/"A" as English words are excluded only when followed by a lower-case word, so "A." and "(A)" still count.
    [GeneratedRegex(@"(?<![A-Za-z])\(?(?<l>[A-Z])(?:\)|\.|:|,)?(?![A-Za-z])(?!\s+[a-z])")]
    private static partial Regex LetterPattern();
}
