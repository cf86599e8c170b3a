// PruneVid.NET — evaluation: one result line.
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PruneVid.Runtime.Evaluation;

/// <summary>
/// The outcome of one (question, strategy) pair: one JSON line of a results file. <c>prediction</c> is null when
/// the reply named no option or the question failed (<c>error</c> says why); <c>correct</c> is null without an answer.
/// </summary>
public sealed record EvalRecord
{
    public required string QUid { get; init; }
    /// <summary>The strategy spec as the user gave it.</summary>
    public required string Strategy { get; init; }
    public int? Prediction { get; init; }
    public int? Answer { get; init; }
    public bool? Correct { get; init; }
    public string? Error { get; init; }
    /// <summary><c>generate</c> or <c>logits</c>.</summary>
    public required string Scoring { get; init; }
    public int VisualTokensBefore { get; init; }
    /// <summary>Visual tokens after the last reduction stage.</summary>
    public int VisualTokensAfter { get; init; }
    public int PromptTokens { get; init; }
    public double DecodeVideoMs { get; init; }
    public double VisionMs { get; init; }
    public double ReductionMs { get; init; }
    public double PrefillMs { get; init; }
    public double DecodeMs { get; init; }
    /// <summary>Time to the first token once the video is decoded: vision + reduction + prefill.</summary>
    public double TtftMs { get; init; }
    public string? AnswerText { get; init; }

    /// <summary>Visual tokens kept, in percent (100 when there were none).</summary>
    [JsonIgnore]
    public double RetentionPercent => VisualTokensBefore == 0 ? 100.0 : 100.0 * VisualTokensAfter / VisualTokensBefore;

    /// <summary>The pair this line answers.</summary>
    [JsonIgnore]
    public (string QUid, string Strategy) Key => (QUid, Strategy);

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        WriteIndented = false,
    };

    /// <summary>One line of JSON (no newline).</summary>
    public string ToJsonLine() => JsonSerializer.Serialize(this, Json);

    /// <summary>Parses a line; null when it is not a complete record.</summary>
    public static EvalRecord? TryParse(string line)
    {
        try
        {
            var record = JsonSerializer.Deserialize<EvalRecord>(line, Json);
            return record is { QUid.Length: > 0, Strategy.Length: > 0 } ? record : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
