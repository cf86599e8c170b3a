// PruneVid.NET — model configuration.
using System.Text.Json;
using PruneVid.Runtime.Errors;

namespace PruneVid.Runtime.Config;

/// <summary>
/// A JSON object of a config file plus its path, with typed getters that fail with a <see cref="ConfigException"/>
/// naming the full field path. No getter invents a default: optional values come back null.
/// A JSON <c>null</c> counts as absent (transformers writes nulls for unset ids).
/// </summary>
internal readonly struct ConfigNode
{
    private readonly JsonElement _element;

    public ConfigNode(JsonElement element, string path, string source)
    {
        _element = element;
        Path = path;
        Source = source;
    }

    /// <summary>Path of this object ("" for the root).</summary>
    public string Path { get; }

    /// <summary>File or source name for messages.</summary>
    public string Source { get; }

    /// <summary>Largest config file read: real ones are a few kilobytes.</summary>
    public const long MaxFileBytes = 16 << 20;

    /// <summary>Parses a document whose root must be an object.</summary>
    public static JsonDocument ParseDocument(string json, string source) => Parse(() => JsonDocument.Parse(json, Options), source);

    /// <summary>Reads and parses a file as strict UTF-8 (invalid bytes are an error, not silently replaced).</summary>
    public static JsonDocument ParseFile(string path)
    {
        long length = new FileInfo(path).Length;
        if (length > MaxFileBytes)
            throw new ConfigException(path, "$", $"the file is {length:N0} bytes; a model configuration is a few kilobytes (at most {MaxFileBytes:N0} are read)");
        byte[] bytes = File.ReadAllBytes(path);
        int skip = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        if (JsonErrors.FirstInvalidUtf8(bytes.AsSpan(skip)) is >= 0 and long bad)
            throw new ConfigException(path, "$", $"not valid UTF-8 text (byte {bad + skip:N0} is 0x{bytes[bad + skip]:X2}); save the file as UTF-8");
        return Parse(() => JsonDocument.Parse(bytes.AsMemory(skip), Options), path);
    }

    private static readonly JsonDocumentOptions Options = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    private static JsonDocument Parse(Func<JsonDocument> parse, string source)
    {
        JsonDocument document;
        try
        {
            document = parse();
        }
        catch (JsonException e)
        {
            throw new ConfigException(source, "$", $"not valid JSON: {JsonErrors.Describe(e)}", e);
        }
        catch (ArgumentException e)
        {
            // Invalid UTF-8 surfaces as an ArgumentException from the reader on some paths.
            throw new ConfigException(source, "$", $"not valid UTF-8 JSON: {UserMessages.Describe(e)}", e);
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw new ConfigException(source, "$", "the document is not a JSON object");
        }
        return document;
    }

    public string FieldPath(string key) => Path.Length == 0 ? key : Path + "." + key;

    public bool Has(string key) => TryGet(key, out _);

    private bool TryGet(string key, out JsonElement value)
    {
        if (_element.TryGetProperty(key, out value) && value.ValueKind != JsonValueKind.Null) return true;
        value = default;
        return false;
    }

    private JsonElement Require(string key) => TryGet(key, out JsonElement value)
        ? value
        : throw new ConfigException(Source, FieldPath(key), "required field is missing");

    private ConfigException Invalid(string key, string problem) => new(Source, FieldPath(key), problem);

    public ConfigNode? OptionalObject(string key)
    {
        if (!TryGet(key, out JsonElement value)) return null;
        if (value.ValueKind != JsonValueKind.Object) throw Invalid(key, $"expected an object, found {Describe(value)}");
        return new ConfigNode(value, FieldPath(key), Source);
    }

    public ConfigNode RequireObject(string key) => OptionalObject(key) ?? throw new ConfigException(Source, FieldPath(key), "required field is missing");

    public int? OptionalInt(string key) => TryGet(key, out JsonElement value) ? AsInt(key, value) : null;

    public int RequireInt(string key) => AsInt(key, Require(key));

    public int RequirePositiveInt(string key)
    {
        int value = RequireInt(key);
        return value > 0 ? value : throw Invalid(key, $"must be positive, found {value}");
    }

    /// <summary>Fails naming <paramref name="key"/> when a product of config values (<paramref name="what"/>) does not fit an int.</summary>
    public void RequireFitsInt(string key, double product, string what)
    {
        if (product > int.MaxValue) throw Invalid(key, $"makes {what} {product:N0}, more than a model can hold (at most {int.MaxValue:N0})");
    }

    public double? OptionalDouble(string key) => TryGet(key, out JsonElement value) ? AsDouble(key, value) : null;

    public double RequireDouble(string key) => AsDouble(key, Require(key));

    public bool? OptionalBool(string key)
    {
        if (!TryGet(key, out JsonElement value)) return null;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Invalid(key, $"expected true or false, found {Describe(value)}"),
        };
    }

    public string? OptionalString(string key)
    {
        if (!TryGet(key, out JsonElement value)) return null;
        return value.ValueKind == JsonValueKind.String ? value.GetString()! : throw Invalid(key, $"expected a string, found {Describe(value)}");
    }

    public string RequireString(string key) => OptionalString(key) ?? throw new ConfigException(Source, FieldPath(key), "required field is missing");

    public int[]? OptionalIntArray(string key)
    {
        if (!TryGet(key, out JsonElement value)) return null;
        if (value.ValueKind != JsonValueKind.Array) throw Invalid(key, $"expected an array of integers, found {Describe(value)}");
        var result = new int[value.GetArrayLength()];
        int i = 0;
        foreach (JsonElement item in value.EnumerateArray()) result[i] = AsInt($"{key}[{i++}]", item);
        return result;
    }

    public int[] RequireIntArray(string key) => OptionalIntArray(key) ?? throw new ConfigException(Source, FieldPath(key), "required field is missing");

    /// <summary>An integer or a list of integers (e.g. <c>eos_token_id</c>), as an array.</summary>
    public int[]? OptionalIntOrIntArray(string key)
    {
        if (!TryGet(key, out JsonElement value)) return null;
        return value.ValueKind == JsonValueKind.Array ? OptionalIntArray(key) : [AsInt(key, value)];
    }

    private int AsInt(string key, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Number)
        {
            if (value.TryGetInt32(out int i)) return i;
            // Some writers emit integral values as 2.0; accept those, reject fractions.
            if (value.TryGetDouble(out double d) && d == Math.Floor(d) && d >= int.MinValue && d <= int.MaxValue) return (int)d;
        }
        throw Invalid(key, $"expected an integer, found {Describe(value)}");
    }

    private double AsDouble(string key, JsonElement value) => value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out double d) && double.IsFinite(d)
        ? d
        : throw Invalid(key, $"expected a number, found {Describe(value)}");

    private static string Describe(JsonElement value)
    {
        string raw = value.GetRawText();
        return raw.Length <= 40 ? raw : raw[..37] + "...";
    }
}
