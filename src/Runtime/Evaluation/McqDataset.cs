// PruneVid.NET — evaluation: any multiple-choice video QA set as JSON lines.
using System.Text.Json;

namespace PruneVid.Runtime.Evaluation;

/// <summary>
/// Reads a generic multiple-choice file, one JSON object per line: <c>{"id", "video", "question", "options": [..],
/// "answer"?}</c>. <c>video</c> is relative to the videos folder (default: the file's folder); <c>answer</c> is an
/// option index or letter. Questions come back sorted by id (ordinal).
/// </summary>
public static class McqDataset
{
    /// <summary>Most options a question may have (letters A..Z).</summary>
    public const int MaxOptions = 26;

    /// <exception cref="EvalDataException">The file is missing or a line is malformed, an id repeats, or a question has fewer than two options.</exception>
    public static IReadOnlyList<EvalQuestion> Load(string questionsFile, string? videosFolder = null)
    {
        if (!File.Exists(questionsFile)) throw new EvalDataException($"file '{questionsFile}' not found");
        videosFolder ??= Path.GetDirectoryName(Path.GetFullPath(questionsFile))!;
        var result = new List<EvalQuestion>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int lineNumber = 0;
        foreach (string line in File.ReadLines(questionsFile))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string where = $"'{questionsFile}', line {lineNumber}";
            JsonDocument doc;
            try { doc = JsonDocument.Parse(line); }
            catch (JsonException) { throw new EvalDataException($"{where} is not a JSON object (each line holds one question)"); }
            using (doc)
            {
                JsonElement item = doc.RootElement;
                if (item.ValueKind != JsonValueKind.Object) throw new EvalDataException($"{where} is a {JsonFiles.Kind(item)}, not a question object");
                string id = item.TryGetProperty("id", out JsonElement idValue) && idValue.ValueKind == JsonValueKind.Number
                    ? idValue.GetRawText() : JsonFiles.RequiredString(item, "id", where);
                where += $" (id {id})";
                if (!seen.Add(id)) throw new EvalDataException($"{where}: the id appears more than once");
                string video = JsonFiles.RequiredString(item, "video", where);
                string question = JsonFiles.RequiredString(item, "question", where);
                if (!item.TryGetProperty("options", out JsonElement options) || options.ValueKind != JsonValueKind.Array)
                    throw new EvalDataException($"{where} needs \"options\": a list of option strings");
                string[] texts = [.. options.EnumerateArray().Select((o, i) => o.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(o.GetString())
                    ? o.GetString()! : throw new EvalDataException($"{where}: option {i} must be a non-empty string, not {o.GetRawText()}"))];
                if (texts.Length is < 2 or > MaxOptions) throw new EvalDataException($"{where} has {texts.Length} option(s); a question needs 2 to {MaxOptions}");
                int? answer = item.TryGetProperty("answer", out JsonElement a) && a.ValueKind != JsonValueKind.Null ? ReadAnswer(a, texts.Length, where) : null;
                result.Add(new EvalQuestion(id, Path.Combine(videosFolder, video), question, texts, answer));
            }
        }
        if (result.Count == 0) throw new EvalDataException($"'{questionsFile}' holds no questions");
        result.Sort((x, y) => string.CompareOrdinal(x.Id, y.Id));
        return result;
    }

    private static int ReadAnswer(JsonElement a, int optionCount, string where)
    {
        int? index = a.ValueKind switch
        {
            JsonValueKind.Number when a.TryGetInt32(out int i) => i,
            JsonValueKind.String when a.GetString() is { Length: 1 } s && char.IsAsciiLetter(s[0]) => char.ToUpperInvariant(s[0]) - 'A',
            _ => null,
        };
        if (index is not int value || value < 0 || value >= optionCount)
            throw new EvalDataException($"{where}: \"answer\" is {a.GetRawText()}, not an option index 0..{optionCount - 1} or a letter A..{(char)('A' + optionCount - 1)}");
        return value;
    }
}
