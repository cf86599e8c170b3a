// PruneVid.NET — pipeline.
using PruneVid.Runtime.Model.Text;

namespace PruneVid.Runtime.Pipeline;

/// <summary>The answer to one question, with what the reducers did and where the time went.</summary>
/// <param name="Text">The generated text (special tokens removed).</param>
/// <param name="Tokens">The generated ids (a final stop id included).</param>
/// <param name="FinishReason">Why generation stopped.</param>
/// <param name="Compression">Visual tokens before and after reduction.</param>
/// <param name="Timings">Time per stage.</param>
/// <param name="PromptIds">The prompt the language model saw (one placeholder per kept visual token).</param>
public sealed record VideoQaResult(string Text, IReadOnlyList<int> Tokens, FinishReason FinishReason,
    CompressionStats Compression, PipelineTimings Timings, IReadOnlyList<int> PromptIds);

/// <summary>Visual-token counts through the reduction stages.</summary>
/// <param name="Strategy">The reducer that ran.</param>
/// <param name="VisualTokensBefore">Tokens from the vision tower (all videos).</param>
/// <param name="VisualTokensAfter">Tokens placed in the prompt.</param>
/// <param name="PromptTokens">Length of the prompt the language model saw.</param>
/// <param name="Stages">Per-stage counts, in order.</param>
public sealed record CompressionStats(string Strategy, int VisualTokensBefore, int VisualTokensAfter, int PromptTokens,
    IReadOnlyList<StageCompression> Stages)
{
    /// <summary>Video tokens left after the last stage (inside the model for in-model reducers).</summary>
    public int FinalVisualTokens => Stages.Count == 0 ? VisualTokensAfter : Stages[^1].TokensAfter;

    /// <summary>Share of visual tokens kept, in percent.</summary>
    public double RetentionPercent => VisualTokensBefore == 0 ? 100.0 : 100.0 * VisualTokensAfter / VisualTokensBefore;
}

/// <summary>One reduction stage: video tokens in and out.</summary>
/// <param name="Stage">The reducer (or in-model hook) name.</param>
/// <param name="TokensBefore">Video tokens it received.</param>
/// <param name="TokensAfter">Video tokens it kept.</param>
/// <param name="Layer">For an in-model stage: the 0-based layer after which it acted (null before the model).</param>
/// <param name="KvRowsKept">For an in-model stage: sequence rows left, i.e. the rows every layer's KV cache holds.</param>
public sealed record StageCompression(string Stage, int TokensBefore, int TokensAfter, int? Layer = null, int? KvRowsKept = null)
{
    /// <summary>Share of tokens removed, in percent.</summary>
    public double ReductionPercent => TokensBefore == 0 ? 0.0 : 100.0 * (TokensBefore - TokensAfter) / TokensBefore;
}

/// <summary>Wall time per stage (each ends with a device synchronisation, so GPU work is counted where it ran).</summary>
public sealed record PipelineTimings(TimeSpan DecodeVideo, TimeSpan Preprocess, TimeSpan Vision, TimeSpan Reduction,
    TimeSpan Prefill, TimeSpan Decode, int DecodedTokens)
{
    /// <summary>Decode speed in tokens per second (0 when nothing was decoded).</summary>
    public double DecodeTokensPerSecond => DecodedTokens == 0 || Decode <= TimeSpan.Zero ? 0 : DecodedTokens / Decode.TotalSeconds;

    /// <summary>Everything together.</summary>
    public TimeSpan Total => DecodeVideo + Preprocess + Vision + Reduction + Prefill + Decode;
}
