// PruneVid.NET — tokenizer.
using System.Globalization;
using System.Text.Json;
using PruneVid.Runtime.Errors;

namespace PruneVid.Runtime.Text;

/// <summary>
/// Reading tokenizer files field by field, so a malformed one fails with a <see cref="TokenizerFormatException"/>
/// naming the file and the JSON path (<c>model.vocab</c>, <c>added_tokens[3].id</c>) instead of a bare
/// System.Text.Json error.
/// </summary>
internal static class TokenizerJson
{
    /// <summary>Largest tokenizer file read (Qwen's tokenizer.json is 7 MB).</summary>
    public const long MaxFileBytes = 256L << 20;

    /// <summary>Token ids may leave at most this many gaps: ids are dense in real vocabularies, and the id table is sized from the largest.</summary>
    public const int MaxIdGap = 1 << 16;

    public static JsonDocument Parse(string path)
    {
        long length = new FileInfo(path).Length;
        if (length == 0) throw new TokenizerFormatException(path, "the file is empty");
        if (length > MaxFileBytes) throw new TokenizerFormatException(path, $"the file is {length:N0} bytes, more than the {MaxFileBytes:N0} a tokenizer file may have");
        byte[] bytes = File.ReadAllBytes(path);
        int skip = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        if (JsonErrors.FirstInvalidUtf8(bytes.AsSpan(skip)) is >= 0 and long bad)
            throw new TokenizerFormatException(path, $"not valid UTF-8 text (byte {bad + skip:N0} is 0x{bytes[bad + skip]:X2}); the file is damaged");
        try
        {
            return JsonDocument.Parse(bytes.AsMemory(skip), new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException e)
        {
            throw new TokenizerFormatException(path, $"not valid JSON (the file may be truncated or damaged): {JsonErrors.Describe(e)}", e);
        }
    }

    public static JsonElement Property(JsonElement parent, string name, string path, string file)
    {
        if (parent.ValueKind != JsonValueKind.Object)
            throw new TokenizerFormatException(file, $"{Parent(path)} should be an object, found {Kind(parent)}");
        return parent.TryGetProperty(name, out JsonElement value) && value.ValueKind != JsonValueKind.Null
            ? value
            : throw new TokenizerFormatException(file, $"{path} is missing");
    }

    public static JsonElement Expect(JsonElement value, JsonValueKind kind, string path, string file) =>
        value.ValueKind == kind ? value : throw new TokenizerFormatException(file, $"{path} should be {Article(kind)}, found {Kind(value)}");

    public static string String(JsonElement value, string path, string file) => Expect(value, JsonValueKind.String, path, file).GetString()!;

    public static int Id(JsonElement value, string path, string file)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int id) && id >= 0) return id;
        throw new TokenizerFormatException(file, $"{path} should be a non-negative integer token id, found {Kind(value)}");
    }

    /// <summary>Checks that ids are dense enough to size the id table from the largest one.</summary>
    public static void RequireDenseIds(int maxId, int entries, string file)
    {
        if ((long)maxId >= (long)entries + MaxIdGap)
            throw new TokenizerFormatException(file, $"token id {maxId:N0} is far beyond the {entries:N0} tokens defined; token ids must be numbered from 0 without large gaps");
    }

    private static string Parent(string path) => path.Contains('.') ? path[..path.LastIndexOf('.')] : "the document";

    private static string Article(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        _ => kind.ToString().ToLowerInvariant(),
    };

    private static string Kind(JsonElement value)
    {
        if (value.ValueKind is JsonValueKind.Object or JsonValueKind.Array) return Article(value.ValueKind);
        string raw = value.GetRawText();
        return raw.Length <= 40 ? raw : raw[..37] + "...";
    }

    public static string Index(string path, int i) => string.Create(CultureInfo.InvariantCulture, $"{path}[{i}]");
}
