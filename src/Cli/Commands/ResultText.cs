// PruneVid.NET — command line: how results are printed.
using PruneVid.Runtime.Pipeline;

namespace PruneVid.Cli.Commands;

/// <summary>Human-readable and JSON forms of a <see cref="VideoQaResult"/>.</summary>
internal static class ResultText
{
    public static string Summary(VideoQaResult r)
    {
        var c = r.Compression;
        var t = r.Timings;
        return $"visual tokens {c.VisualTokensBefore} -> {c.VisualTokensKept} after the last stage ({c.RetentionPercent:F1}% retention; " +
               $"{c.PromptVisualTokens} in the prompt, {c.VisualTokenLayersPercent:F1}% of visual token-layers computed), prompt {c.PromptTokens} tokens" +
               (c.Stages.Count > 0 ? $"; stages {Stages(c)}\n" : "\n") +
               $"decode video {Ms(t.DecodeVideo)}, preprocess {Ms(t.Preprocess)}, vision {Ms(t.Vision)}, reduction {Ms(t.Reduction)}, " +
               $"prefill {Ms(t.Prefill)}, decode {t.DecodedTokens} tokens at {t.DecodeTokensPerSecond:F1} tok/s ({r.FinishReason})";
    }

    /// <summary>Per-stage counts, e.g. <c>prunevid-stage1 2304→1152, prunevid-stage2 after layer 10 1152→460 (kv 520)</c>.</summary>
    public static string Stages(CompressionStats c) => string.Join(", ", c.Stages);

    public static string Ms(TimeSpan span) => $"{span.TotalMilliseconds:F0} ms";
}
