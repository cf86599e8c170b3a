// PruneVid.NET — tokenizer.
using System.Text;

namespace PruneVid.Runtime.Text;

/// <summary>
/// Turns generated token ids into text as they arrive. A byte-level token can end in the middle of a UTF-8
/// character (an emoji often spans two or three tokens), so trailing bytes of an incomplete character are held
/// back until the next token completes them or <see cref="Flush"/> is called.
/// </summary>
public sealed class TokenStreamDecoder
{
    private readonly QwenTokenizer _tokenizer;
    private readonly bool _skipSpecialTokens;
    private readonly List<byte> _pending = new();

    internal TokenStreamDecoder(QwenTokenizer tokenizer, bool skipSpecialTokens)
    {
        _tokenizer = tokenizer;
        _skipSpecialTokens = skipSpecialTokens;
    }

    /// <summary>Adds one token and returns the text that became complete (possibly empty).</summary>
    public string Push(int id)
    {
        var bytes = _tokenizer.GetTokenBytes(id);
        if (_skipSpecialTokens && _tokenizer.IsSpecial(id)) return "";
        foreach (byte b in bytes) _pending.Add(b);
        int complete = CompletePrefixLength(_pending);
        if (complete == 0) return "";
        string text = Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_pending)[..complete]);
        _pending.RemoveRange(0, complete);
        return text;
    }

    /// <summary>Returns whatever is still held back (an incomplete character decodes to U+FFFD) and clears it.</summary>
    public string Flush()
    {
        string text = Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_pending));
        _pending.Clear();
        return text;
    }

    /// <summary>Length of the longest prefix that does not end inside a UTF-8 sequence that could still be completed.</summary>
    internal static int CompletePrefixLength(IReadOnlyList<byte> bytes)
    {
        int n = bytes.Count;
        // Look back at most 3 bytes for the lead byte of the last sequence.
        for (int back = 1; back <= Math.Min(3, n); back++)
        {
            byte b = bytes[n - back];
            if ((b & 0xC0) == 0x80) continue; // continuation byte: keep looking for the lead
            int need = b >= 0xF0 && b <= 0xF4 ? 4 : b >= 0xE0 && b < 0xF0 ? 3 : b >= 0xC2 && b < 0xE0 ? 2 : 1;
            return need > back ? n - back : n;
        }
        return n; // only continuation bytes at the end: invalid anyway, emit as U+FFFD
    }
}
