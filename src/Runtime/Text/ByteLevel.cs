// PruneVid.NET — tokenizer.
namespace PruneVid.Runtime.Text;

/// <summary>
/// GPT-2's byte-level alphabet (<c>bytes_to_unicode</c>): every byte maps to one printable character, so BPE
/// tokens are strings; decoding maps the characters back to bytes.
/// </summary>
internal static class ByteLevel
{
    private static readonly char[] s_byteToChar = BuildByteToChar();
    private static readonly Dictionary<char, byte> s_charToByte = BuildCharToByte();

    /// <summary>The character that stands for <paramref name="b"/> in vocabulary strings.</summary>
    public static char ToChar(byte b) => s_byteToChar[b];

    /// <summary>The bytes a vocabulary token stands for; throws when the token uses a character outside the alphabet.</summary>
    public static byte[] ToBytes(string token)
    {
        var bytes = new byte[token.Length];
        for (int i = 0; i < token.Length; i++)
        {
            if (!s_charToByte.TryGetValue(token[i], out bytes[i]))
                throw new FormatException($"vocabulary token '{token}' has character U+{(int)token[i]:X4}, which is not in the byte-level alphabet");
        }
        return bytes;
    }

    private static char[] BuildByteToChar()
    {
        // Printable Latin-1 bytes stand for themselves; the other 68 bytes take the code points from U+0100 on.
        var map = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char)b : (char)next++;
        }
        return map;
    }

    private static Dictionary<char, byte> BuildCharToByte()
    {
        var map = new Dictionary<char, byte>(256);
        for (int b = 0; b < 256; b++) map[s_byteToChar[b]] = (byte)b;
        return map;
    }
}
