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
        return $"visual tokens {c.VisualTokensBefore} -> {c.VisualTokensAfter} ({c.RetentionPercent:F1}% kept), prompt {c.PromptTokens} tokens\n" +
               $"decode video {Ms(t.DecodeVideo)}, preprocess {Ms(t.Preprocess)}, vision {Ms(t.Vision)}, reduction {Ms(t.Reduction)}, " +
               $"prefill {Ms(t.Prefill)}, decode {t.DecodedTokens} tokens at {t.DecodeTokensPerSecond:F1} tok/s ({r.FinishReason})";
    }

    public static string Ms(TimeSpan span) => $"{span.TotalMilliseconds:F0} ms";
}
