// PruneVid.NET — tokenizer.
using System.Buffers;
using System.Globalization;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace PruneVid.Runtime.Text;

/// <summary>
/// Qwen2's pre-tokenizer split, <c>(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+</c>,
/// written out by hand over Unicode code points. The .NET regex engine classifies UTF-16 code units, so a letter
/// or digit outside the BMP (e.g. U+1D5C8 or CJK extension B) would count as punctuation there and glue to its
/// neighbours; Hugging Face's Oniguruma sees code points. Each branch below mirrors one alternative of the
/// pattern with the same leftmost-first, greedy-with-backtracking result.
/// </summary>
internal sealed class QwenPreTokenizer : PreTokenizer
{
    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text) => Split(text.AsSpan());

    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text) => Split(text);

    /// <summary>The (offset, length) pieces of <paramref name="text"/>, in UTF-16 units.</summary>
    public static List<(int Offset, int Length)> Split(ReadOnlySpan<char> text)
    {
        var pieces = new List<(int, int)>();
        int i = 0;
        while (i < text.Length)
        {
            int end = MatchAt(text, i);
            pieces.Add((i, end - i));
            i = end;
        }
        return pieces;
    }

    /// <summary>End (exclusive) of the pattern's match starting at <paramref name="i"/>; some branch always matches.</summary>
    private static int MatchAt(ReadOnlySpan<char> s, int i)
    {
        // 1. Contractions, case-insensitive: 's 't 're 've 'm 'll 'd.
        if (s[i] == '\'' && i + 1 < s.Length)
        {
            char a = s[i + 1], b = i + 2 < s.Length ? s[i + 2] : '\0';
            if (IsS(a) || Is(a, 't') || Is(a, 'm') || Is(a, 'd')) return i + 2;
            if ((Is(a, 'r') && Is(b, 'e')) || (Is(a, 'v') && Is(b, 'e')) || (Is(a, 'l') && Is(b, 'l'))) return i + 3;
        }

        var (c0, n0) = RuneAt(s, i);
        var k0 = Classify(c0);

        // 2. [^\r\n\p{L}\p{N}]?\p{L}+  — greedy optional prefix first, then without it.
        if (k0 == Kind.Letter) return SkipLetters(s, i);
        if (k0 != Kind.Number && !IsCrLf(c0) && i + n0 < s.Length && Classify(RuneAt(s, i + n0).Rune) == Kind.Letter)
            return SkipLetters(s, i + n0);

        // 3. \p{N}  — a single digit.
        if (k0 == Kind.Number) return i + n0;

        // 4. ' '?[^\s\p{L}\p{N}]+[\r\n]*
        int start = i;
        if (c0.Value == ' ' && i + 1 < s.Length && Classify(RuneAt(s, i + 1).Rune) == Kind.Other) start = i + 1;
        if (Classify(RuneAt(s, start).Rune) == Kind.Other)
        {
            int j = start;
            while (j < s.Length && RuneAt(s, j) is var (r, n) && Classify(r) == Kind.Other) j += n;
            while (j < s.Length && IsCrLf(s[j])) j++;
            return j;
        }

        // Only whitespace remains (c0 is a space character).
        int runEnd = i;
        int lastCrLf = -1;
        while (runEnd < s.Length && RuneAt(s, runEnd) is var (r, n) && Classify(r) == Kind.Space)
        {
            if (IsCrLf(r)) lastCrLf = runEnd;
            runEnd += n;
        }

        // 5. \s*[\r\n]+  — backtracking leaves the match ending just after the run's last CR/LF.
        if (lastCrLf >= 0) return lastCrLf + 1;

        // 6. \s+(?!\S)  — the whole run at the end of text, otherwise all but its last character.
        if (runEnd == s.Length) return runEnd;
        int lastStart = runEnd - RunePrevLength(s, runEnd);
        if (lastStart > i) return lastStart;

        // 7. \s+
        return runEnd;
    }

    private enum Kind { Letter, Number, Space, Other }

    private static Kind Classify(Rune r)
    {
        if (Rune.IsWhiteSpace(r)) return Kind.Space;
        switch (Rune.GetUnicodeCategory(r))
        {
            case UnicodeCategory.UppercaseLetter:
            case UnicodeCategory.LowercaseLetter:
            case UnicodeCategory.TitlecaseLetter:
            case UnicodeCategory.ModifierLetter:
            case UnicodeCategory.OtherLetter:
                return Kind.Letter;
            case UnicodeCategory.DecimalDigitNumber:
            case UnicodeCategory.LetterNumber:
            case UnicodeCategory.OtherNumber:
                return Kind.Number;
            default:
                return Kind.Other;
        }
    }

    private static int SkipLetters(ReadOnlySpan<char> s, int j)
    {
        while (j < s.Length && RuneAt(s, j) is var (r, n) && Classify(r) == Kind.Letter) j += n;
        return j;
    }

    /// <summary>The code point at <paramref name="i"/> and its UTF-16 length; a lone surrogate reads as U+FFFD.</summary>
    private static (Rune Rune, int Length) RuneAt(ReadOnlySpan<char> s, int i) =>
        Rune.DecodeFromUtf16(s[i..], out var rune, out int length) == OperationStatus.Done
            ? (rune, length)
            : (Rune.ReplacementChar, 1);

    private static int RunePrevLength(ReadOnlySpan<char> s, int end) =>
        end >= 2 && char.IsLowSurrogate(s[end - 1]) && char.IsHighSurrogate(s[end - 2]) ? 2 : 1;

    private static bool IsCrLf(Rune r) => r.Value is '\r' or '\n';

    private static bool IsCrLf(char c) => c is '\r' or '\n';

    private static bool Is(char c, char lower) => c == lower || c == char.ToUpperInvariant(lower);

    // Unicode case folding maps U+017F LATIN SMALL LETTER LONG S to 's'.
    private static bool IsS(char c) => c is 's' or 'S' or '\u017F';
}
