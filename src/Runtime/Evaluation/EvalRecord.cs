// PruneVid.NET — evaluation: one result line.
using System.Text.Json;
using System.Text.Json.Nodes;
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
    /// <summary>Visual tokens from the vision tower.</summary>
    public int VisualTokensBefore { get; init; }
    /// <summary>Visual tokens after the last reduction stage (inside the model for in-model stages): retention's numerator.</summary>
    public int VisualTokensKept { get; init; }
    /// <summary>Visual tokens placed in the prompt (after the stages before the model).</summary>
    public int PromptVisualTokens { get; init; }
    public int PromptTokens { get; init; }
    /// <summary>Visual token-layers the language model computed, as a share of every vision token through every layer (percent).</summary>
    public double? VisualTokenLayersPercent { get; init; }
    /// <summary>The token budget asked for (<c>retention=R</c>), in percent; null without one.</summary>
    public double? TargetRetentionPercent { get; init; }
    /// <summary>Every stage in order, as <see cref="PruneVid.Strategies.StageRecord"/> (before the model, then in-model).</summary>
    public IReadOnlyList<PruneVid.Strategies.StageRecord>? Stages { get; init; }
    public double DecodeVideoMs { get; init; }
    public double PreprocessMs { get; init; }
    public double VisionMs { get; init; }
    public double ReductionMs { get; init; }
    public double PrefillMs { get; init; }
    public double DecodeMs { get; init; }
    /// <summary>Time to the first token once the video is decoded: vision + reduction + prefill.</summary>
    public double TtftMs { get; init; }
    public string? AnswerText { get; init; }

    /// <summary>Retention achieved: <see cref="VisualTokensKept"/> / <see cref="VisualTokensBefore"/>, in percent (100 when there were none).</summary>
    public double RetentionPercent => VisualTokensBefore == 0 ? 100.0 : 100.0 * VisualTokensKept / VisualTokensBefore;

    /// <summary>Language-model time: reduction + prefill + decode (what a reducer changes; the report's LM speed-up).</summary>
    [JsonIgnore]
    public double LanguageModelMs => ReductionMs + PrefillMs + DecodeMs;

    /// <summary>
    /// End-to-end time of this answer as a user running this strategy alone would see it: video decode + preprocess +
    /// vision + reduction + prefill + decode (the encoding's times are shared by the strategies of a question in an
    /// evaluation, and counted in full for each).
    /// </summary>
    [JsonIgnore]
    public double EndToEndMs => DecodeVideoMs + PreprocessMs + VisionMs + ReductionMs + PrefillMs + DecodeMs;

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
            if (record is not { QUid.Length: > 0, Strategy.Length: > 0 }) return null;
            // Lines written before `visual_tokens_kept` existed carry `visual_tokens_after` (the tokens placed in the
            // prompt): a resumed or merged old run keeps that count instead of reading 0.
            if (!line.Contains("\"visual_tokens_kept\"", StringComparison.Ordinal)
                && JsonNode.Parse(line)?["visual_tokens_after"]?.GetValue<int>() is int legacy)
                record = record with { VisualTokensKept = legacy, PromptVisualTokens = legacy };
            return record;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
