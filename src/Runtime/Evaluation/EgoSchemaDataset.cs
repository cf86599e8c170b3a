// PruneVid.NET — evaluation: the official EgoSchema layout.
using System.Text.Json;

namespace PruneVid.Runtime.Evaluation;

/// <summary>
/// Reads the official EgoSchema release: <c>questions.json</c> (a list of <c>{q_uid, google_drive_id, question,
/// "option 0".."option 4"}</c>), an optional answers file (<c>subset_answers.json</c>: <c>{q_uid: 0..4}</c>) and videos
/// named <c>&lt;videos&gt;/&lt;q_uid&gt;.mp4</c>. Questions come back sorted by <c>q_uid</c> (ordinal).
/// </summary>
public static class EgoSchemaDataset
{
    /// <summary>EgoSchema questions always have five options.</summary>
    public const int OptionCount = 5;

    /// <summary>Loads and validates the questions (and answers); a missing video is not checked here.</summary>
    /// <exception cref="EvalDataException">A file is missing or malformed, a q_uid repeats, a question lacks an option, or the answers name unknown questions.</exception>
    public static IReadOnlyList<EvalQuestion> Load(string questionsFile, string videosFolder, string? answersFile = null)
    {
        using JsonDocument questions = JsonFiles.Parse(questionsFile);
        if (questions.RootElement.ValueKind != JsonValueKind.Array)
            throw new EvalDataException($"'{questionsFile}' must hold a JSON list of questions (EgoSchema's questions.json), not a {JsonFiles.Kind(questions.RootElement)}");
        IReadOnlyDictionary<string, int> answers = answersFile is null ? new Dictionary<string, int>() : LoadAnswers(answersFile);

        var result = new List<EvalQuestion>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int index = 0;
        foreach (JsonElement item in questions.RootElement.EnumerateArray())
        {
            string where = $"'{questionsFile}', entry {index++}";
            if (item.ValueKind != JsonValueKind.Object) throw new EvalDataException($"{where} is a {JsonFiles.Kind(item)}, not a question object");
            string id = JsonFiles.RequiredString(item, "q_uid", where);
            where += $" (q_uid {id})";
            if (!seen.Add(id)) throw new EvalDataException($"{where}: the q_uid appears more than once in the questions file");
            string question = JsonFiles.RequiredString(item, "question", where);
            var options = new string[OptionCount];
            for (int o = 0; o < OptionCount; o++)
            {
                if (!item.TryGetProperty($"option {o}", out _))
                    throw new EvalDataException($"{where} has no \"option {o}\": EgoSchema questions have exactly five options, \"option 0\" to \"option 4\"");
                options[o] = JsonFiles.RequiredString(item, $"option {o}", where);
            }
            if (item.TryGetProperty("option 5", out _))
                throw new EvalDataException($"{where} has an \"option 5\": EgoSchema questions have exactly five options");
            result.Add(new EvalQuestion(id, Path.Combine(videosFolder, id + ".mp4"), question, options,
                answers.TryGetValue(id, out int answer) ? answer : null));
        }
        if (result.Count == 0) throw new EvalDataException($"'{questionsFile}' holds no questions");
        string[] unknown = [.. answers.Keys.Where(k => !seen.Contains(k)).Order(StringComparer.Ordinal)];
        if (unknown.Length > 0)
            throw new EvalDataException($"the answers file '{answersFile}' names {unknown.Length} q_uid(s) that are not in '{questionsFile}': " +
                                        JsonFiles.FirstFew(unknown) + " (is it the answers file of another question set?)");
        result.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
        return result;
    }

    /// <summary>Reads <c>{q_uid: 0..4}</c>.</summary>
    public static IReadOnlyDictionary<string, int> LoadAnswers(string answersFile)
    {
        using JsonDocument doc = JsonFiles.Parse(answersFile);
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
            throw new EvalDataException($"'{answersFile}' must hold a JSON object {{q_uid: option index}} (EgoSchema's subset_answers.json), not a {JsonFiles.Kind(doc.RootElement)}");
        var answers = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (JsonProperty p in doc.RootElement.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out int a) || a is < 0 or >= OptionCount)
                throw new EvalDataException($"'{answersFile}': the answer of q_uid {p.Name} is {p.Value.GetRawText()}, not an option index 0 to 4");
            answers[p.Name] = a;
        }
        return answers;
    }
}
