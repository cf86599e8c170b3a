// PruneVid.NET — command line: the JSON form of a result.
using PruneVid.Runtime.Pipeline;

namespace PruneVid.Cli.Commands;

/// <summary>The JSON shape printed by <c>run --json</c> and <c>demo --json</c>.</summary>
internal sealed record ResultJson(string Text, int[] Tokens, string FinishReason, object Compression, object Timings)
{
    public static ResultJson From(VideoQaResult r) => new(r.Text, [.. r.Tokens], r.FinishReason.ToString(),
        new
        {
            strategy = r.Compression.Strategy,
            visual_tokens_before = r.Compression.VisualTokensBefore,
            visual_tokens_after = r.Compression.VisualTokensAfter,
            retention_percent = Math.Round(r.Compression.RetentionPercent, 2),
            prompt_tokens = r.Compression.PromptTokens,
            stages = r.Compression.Stages.Select(s => new { stage = s.Stage, before = s.TokensBefore, after = s.TokensAfter, layer = s.Layer, kv_rows = s.KvRowsKept }),
        },
        new
        {
            decode_video_ms = r.Timings.DecodeVideo.TotalMilliseconds,
            preprocess_ms = r.Timings.Preprocess.TotalMilliseconds,
            vision_ms = r.Timings.Vision.TotalMilliseconds,
            reduction_ms = r.Timings.Reduction.TotalMilliseconds,
            prefill_ms = r.Timings.Prefill.TotalMilliseconds,
            decode_ms = r.Timings.Decode.TotalMilliseconds,
            decoded_tokens = r.Timings.DecodedTokens,
            decode_tokens_per_second = Math.Round(r.Timings.DecodeTokensPerSecond, 2),
        });
}
