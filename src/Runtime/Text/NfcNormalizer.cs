// PruneVid.NET — tokenizer.
using System.Text;

namespace PruneVid.Runtime.Text;

/// <summary>
/// Unicode NFC, as the Qwen2 <c>tokenizer.json</c> asks for. Lone surrogates become U+FFFD first, because
/// <see cref="string.Normalize(NormalizationForm)"/> rejects them.
/// </summary>
internal static class NfcNormalizer
{
    /// <summary>NFC of <paramref name="text"/> with unpaired surrogates replaced by U+FFFD.</summary>
    public static string Nfc(string text)
    {
        string clean = ReplaceLoneSurrogates(text);
        return clean.IsNormalized(NormalizationForm.FormC) ? clean : clean.Normalize(NormalizationForm.FormC);
    }

    private static string ReplaceLoneSurrogates(string text)
    {
        StringBuilder? sb = null;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            bool paired = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);
            if (paired) { sb?.Append(c).Append(text[i + 1]); i++; continue; }
            if (char.IsSurrogate(c))
            {
                sb ??= new StringBuilder(text, 0, i, text.Length);
                sb.Append('\uFFFD');
                continue;
            }
            sb?.Append(c);
        }
        return sb?.ToString() ?? text;
    }

    /// <summary>
    /// Whether this process can really normalise: with invariant globalization (no ICU) .NET's
    /// <see cref="string.Normalize()"/> silently returns its input for non-ASCII text.
    /// </summary>
    public static bool IsAvailable(Func<string, string> normalize) => normalize("e\u0301") == "\u00e9";
}
