// PruneVid.NET — evaluation: reading user JSON files with messages that name the file and the fault.
using System.Text.Json;

namespace PruneVid.Runtime.Evaluation;

internal static class JsonFiles
{
    public static JsonDocument Parse(string path)
    {
        if (!File.Exists(path)) throw new EvalDataException($"file '{path}' not found");
        try
        {
            using var stream = File.OpenRead(path);
            return JsonDocument.Parse(stream, new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new EvalDataException($"'{path}' is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {FirstSentence(e.Message)}", e);
        }
    }

    public static string RequiredString(JsonElement item, string name, string where)
    {
        if (!item.TryGetProperty(name, out JsonElement value)) throw new EvalDataException($"{where} has no \"{name}\"");
        if (value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
            throw new EvalDataException($"{where}: \"{name}\" must be a non-empty string, not {value.GetRawText()}");
        return value.GetString()!;
    }

    public static string Kind(JsonElement e) => e.ValueKind.ToString().ToLowerInvariant();

    public static string FirstFew(IReadOnlyCollection<string> items, int shown = 5) =>
        string.Join(", ", items.Take(shown)) + (items.Count > shown ? $" and {items.Count - shown} more" : "");

    private static string FirstSentence(string message)
    {
        int cut = message.IndexOf(". ", StringComparison.Ordinal);
        return cut < 0 ? message : message[..(cut + 1)];
    }
}
