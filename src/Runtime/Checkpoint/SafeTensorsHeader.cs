// PruneVid.NET — checkpoint loading.
using System.Text.Json;
using System.Text.Unicode;

namespace PruneVid.Runtime.Checkpoint;

/// <summary>
/// Parses and validates the JSON header of a safetensors file. Every fault becomes a
/// <see cref="SafeTensorsFormatException"/>: nothing else may escape, whatever the bytes are.
/// </summary>
internal static class SafeTensorsHeader
{
    /// <summary>Larger headers are rejected before allocating (real checkpoints have headers well under 1 MiB).</summary>
    public const long MaxHeaderBytes = 100L << 20;

    private const string MetadataKey = "__metadata__";

    /// <summary>Validated header contents.</summary>
    public sealed record Parsed(Dictionary<string, SafeTensorInfo> Tensors, Dictionary<string, string> Metadata);

    /// <summary>
    /// Parses <paramref name="header"/>; <paramref name="dataStart"/> is the absolute offset of the data section and
    /// <paramref name="dataLength"/> its length (file length − data start).
    /// </summary>
    public static Parsed Parse(string filePath, ReadOnlyMemory<byte> header, long dataStart, long dataLength)
    {
        // The JSON reader accepts invalid UTF-8 inside strings and only fails later when a string is decoded.
        if (!Utf8.IsValid(header.Span))
            throw new SafeTensorsFormatException(filePath, "header is not valid UTF-8");

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException e)
        {
            throw new SafeTensorsFormatException(filePath, $"header is not valid JSON ({e.Message})", e);
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new SafeTensorsFormatException(filePath, $"header is a JSON {root.ValueKind}, expected an object");

            var tensors = new Dictionary<string, SafeTensorInfo>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            bool sawMetadata = false;
            foreach (JsonProperty property in root.EnumerateObject())
            {
                if (property.Name == MetadataKey)
                {
                    if (sawMetadata) throw new SafeTensorsFormatException(filePath, "header has '__metadata__' twice");
                    sawMetadata = true;
                    ReadMetadata(filePath, property.Value, metadata);
                    continue;
                }
                if (tensors.ContainsKey(property.Name))
                    throw new SafeTensorsFormatException(filePath, $"tensor '{property.Name}' appears twice in the header");
                tensors.Add(property.Name, ReadTensor(filePath, property.Name, property.Value, dataStart, dataLength));
            }

            CheckNoOverlap(filePath, tensors.Values);
            return new Parsed(tensors, metadata);
        }
    }

    private static void ReadMetadata(string filePath, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new SafeTensorsFormatException(filePath, $"'__metadata__' is a JSON {value.ValueKind}, expected an object of strings");
        foreach (JsonProperty entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw new SafeTensorsFormatException(filePath, $"'__metadata__.{entry.Name}' is a JSON {entry.Value.ValueKind}, expected a string");
            if (!metadata.TryAdd(entry.Name, entry.Value.GetString()!))
                throw new SafeTensorsFormatException(filePath, $"'__metadata__.{entry.Name}' appears twice");
        }
    }

    private static SafeTensorInfo ReadTensor(string filePath, string name, JsonElement entry, long dataStart, long dataLength)
    {
        if (entry.ValueKind != JsonValueKind.Object)
            throw new SafeTensorsFormatException(filePath, $"tensor '{name}': entry is a JSON {entry.ValueKind}, expected an object");

        string dtypeText = entry.TryGetProperty("dtype", out JsonElement dtypeElement) && dtypeElement.ValueKind == JsonValueKind.String
            ? dtypeElement.GetString()!
            : throw new SafeTensorsFormatException(filePath, $"tensor '{name}': missing or non-string 'dtype'");
        if (!SafeTensorDTypeInfo.TryParse(dtypeText, out SafeTensorDType dtype))
            throw new SafeTensorsFormatException(filePath, $"tensor '{name}': unknown dtype '{dtypeText}'");

        long[] shape = ReadLongArray(filePath, name, entry, "shape", expectedLength: -1);
        long[] offsets = ReadLongArray(filePath, name, entry, "data_offsets", expectedLength: 2);
        long begin = offsets[0], end = offsets[1];
        if (end < begin)
            throw new SafeTensorsFormatException(filePath, $"tensor '{name}': data_offsets [{begin},{end}] end before begin");
        if (end > dataLength)
            throw new SafeTensorsFormatException(filePath, $"tensor '{name}': data_offsets [{begin},{end}] lie outside the file (data section is {dataLength} bytes)");

        long expected;
        try
        {
            long count = 1;
            foreach (long d in shape) count = checked(count * d);
            expected = checked(count * dtype.ElementSize);
        }
        catch (OverflowException)
        {
            throw new SafeTensorsFormatException(filePath, $"tensor '{name}': shape [{string.Join(",", shape)}] is too large to address");
        }
        if (expected != end - begin)
            throw new SafeTensorsFormatException(filePath,
                $"tensor '{name}': {end - begin} data bytes but shape [{string.Join(",", shape)}] x {dtype} ({dtype.ElementSize} B) needs {expected}");

        return new SafeTensorInfo(name, dtype, shape, dataStart + begin, end - begin);
    }

    private static long[] ReadLongArray(string filePath, string name, JsonElement entry, string key, int expectedLength)
    {
        if (!entry.TryGetProperty(key, out JsonElement array) || array.ValueKind != JsonValueKind.Array)
            throw new SafeTensorsFormatException(filePath, $"tensor '{name}': missing or non-array '{key}'");
        int length = array.GetArrayLength();
        if (expectedLength >= 0 && length != expectedLength)
            throw new SafeTensorsFormatException(filePath, $"tensor '{name}': '{key}' has {length} entries, expected {expectedLength}");
        var values = new long[length];
        int i = 0;
        foreach (JsonElement item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long v) || v < 0)
                throw new SafeTensorsFormatException(filePath, $"tensor '{name}': '{key}[{i}]' = {item.GetRawText()} is not a non-negative integer");
            values[i++] = v;
        }
        return values;
    }

    /// <summary>Non-empty tensors must occupy disjoint byte ranges (empty ones may sit anywhere).</summary>
    private static void CheckNoOverlap(string filePath, IEnumerable<SafeTensorInfo> tensors)
    {
        SafeTensorInfo[] sorted = tensors.Where(t => t.ByteLength > 0).OrderBy(t => t.DataOffset).ThenBy(t => t.Name, StringComparer.Ordinal).ToArray();
        for (int i = 1; i < sorted.Length; i++)
        {
            SafeTensorInfo previous = sorted[i - 1], current = sorted[i];
            if (current.DataOffset < previous.DataOffset + previous.ByteLength)
                throw new SafeTensorsFormatException(filePath, $"tensors '{previous.Name}' and '{current.Name}' have overlapping data_offsets");
        }
    }
}
