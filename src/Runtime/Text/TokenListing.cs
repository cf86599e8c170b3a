// PruneVid.NET — tokenizer.
using System.Text;
using System.Text.Json;

namespace PruneVid.Runtime.Text;

/// <summary>Text forms of a token id list, for the <c>tokenize</c> command.</summary>
public static class TokenListing
{
    /// <summary><c>{"ids":[…]}</c>.</summary>
    public static string Json(IReadOnlyList<int> ids)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("ids");
            foreach (int id in ids) writer.WriteNumberValue(id);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>
    /// One line per token, like llama.cpp's tokenize tool: the id right-aligned, then the token's text quoted
    /// (a piece that is not whole UTF-8 on its own is shown as its bytes, e.g. <c>&lt;0xF0 0x9F&gt;</c>).
    /// </summary>
    public static string Lines(IReadOnlyList<int> ids, QwenTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var sb = new StringBuilder();
        var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
        foreach (int id in ids)
        {
            var bytes = tokenizer.GetTokenBytes(id);
            string piece;
            try { piece = "'" + strict.GetString(bytes) + "'"; }
            catch (DecoderFallbackException) { piece = "<" + string.Join(" ", bytes.ToArray().Select(b => $"0x{b:X2}")) + ">"; }
            sb.Append(id.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(7)).Append(" -> ").Append(piece).Append('\n');
        }
        return sb.ToString();
    }
}
