// PruneVid.NET — evaluation: the multiple-choice prompt lmms-eval uses for Qwen2.5-VL.
namespace PruneVid.Runtime.Evaluation;

/// <summary>
/// lmms-eval's EgoSchema prompt (user turn after the video): the question, one <c>A. …</c> line per option, then
/// "Answer with the option's letter from the given choices directly." The chat template adds the system prompt.
/// </summary>
public static class McqPrompt
{
    /// <summary>The instruction after the options.</summary>
    public const string PostPrompt = "Answer with the option's letter from the given choices directly.";

    /// <summary>Generation length lmms-eval uses for these tasks.</summary>
    public const int MaxNewTokens = 16;

    /// <summary>The letter of option <paramref name="index"/> ('A' for 0).</summary>
    public static char Letter(int index) => (char)('A' + index);

    /// <summary>The user text for <paramref name="question"/>.</summary>
    public static string Build(EvalQuestion question)
    {
        ArgumentNullException.ThrowIfNull(question);
        var lines = new List<string> { question.Question };
        lines.AddRange(question.Options.Select((o, i) => $"{Letter(i)}. {o}"));
        lines.Add(PostPrompt);
        return string.Join("\n", lines);
    }
}
