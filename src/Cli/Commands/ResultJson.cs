// PruneVid.NET — command line: the JSON form of a result.
using PruneVid.Runtime.Pipeline;
using PruneVid.Strategies;

namespace PruneVid.Cli.Commands;

/// <summary>
/// The one JSON vocabulary of a result, printed by <c>run --json</c> and <c>demo --json</c> and sent as the server's
/// <c>prunevid</c> field: snake_case names, the same as the evaluation's JSON lines (docs/results-json.md).
/// </summary>
internal static class ResultJson
{
    /// <summary><c>{ text, tokens, finish_reason, compression, timings }</c>.</summary>
    public static object From(VideoQaResult r) => new
    {
        text = r.Text,
        tokens = r.Tokens.ToArray(),
        finish_reason = r.FinishReason.ToString().ToLowerInvariant(),
        compression = Compression(r.Compression),
        timings = Timings(r.Timings),
    };

    /// <summary>Visual-token counts: retention (after the last stage) and token-layers, named apart.</summary>
    public static object Compression(CompressionStats c) => new
    {
        strategy = c.Strategy,
        visual_tokens_before = c.VisualTokensBefore,
        visual_tokens_kept = c.VisualTokensKept,
        prompt_visual_tokens = c.PromptVisualTokens,
        prompt_tokens = c.PromptTokens,
        retention_percent = Math.Round(c.RetentionPercent, 2),
        target_retention_percent = c.TargetRetentionPercent,
        visual_token_layers_percent = Math.Round(c.VisualTokenLayersPercent, 2),
        stages = c.Stages.Select(Stage).ToArray(),
    };

    /// <summary>One <see cref="StageRecord"/>.</summary>
    public static object Stage(StageRecord s) => new
    {
        stage = s.Stage, tokens_before = s.TokensBefore, tokens_after = s.TokensAfter, layer = s.Layer, kv_rows_kept = s.KvRowsKept,
    };

    /// <summary>Time per stage, the language-model part and the end-to-end total.</summary>
    public static object Timings(PipelineTimings t) => new
    {
        decode_video_ms = t.DecodeVideo.TotalMilliseconds,
        preprocess_ms = t.Preprocess.TotalMilliseconds,
        vision_ms = t.Vision.TotalMilliseconds,
        reduction_ms = t.Reduction.TotalMilliseconds,
        prefill_ms = t.Prefill.TotalMilliseconds,
        decode_ms = t.Decode.TotalMilliseconds,
        decoded_tokens = t.DecodedTokens,
        decode_tokens_per_second = Math.Round(t.DecodeTokensPerSecond, 2),
        end_to_end_ms = t.Total.TotalMilliseconds,
    };
}
