// PruneVid.NET — pipeline.
using PruneVid.Runtime.Model.Text;
using PruneVid.Strategies;

namespace PruneVid.Runtime.Pipeline;

/// <summary>The answer to one question, with what the reducers did and where the time went.</summary>
/// <param name="Text">The generated text (special tokens removed).</param>
/// <param name="Tokens">The generated ids (a final stop id included).</param>
/// <param name="FinishReason">Why generation stopped.</param>
/// <param name="Compression">Visual tokens through the reduction stages (retention and token-layers).</param>
/// <param name="Timings">Time per stage.</param>
/// <param name="PromptIds">The prompt the language model saw (one placeholder per kept visual token).</param>
public sealed record VideoQaResult(string Text, IReadOnlyList<int> Tokens, FinishReason FinishReason,
    CompressionStats Compression, PipelineTimings Timings, IReadOnlyList<int> PromptIds);

/// <summary>
/// Visual-token counts through the reduction stages. Two measures, named apart and used the same way wherever a count is
/// printed or written:
/// <list type="bullet">
/// <item><b>Retention</b> (<see cref="RetentionPercent"/>): the visual tokens left after the last stage
/// (<see cref="VisualTokensKept"/>), inside the model for in-model stages, as a share of the vision tower's tokens.</item>
/// <item><b>Visual token-layers</b> (<see cref="VisualTokenLayersPercent"/>): the visual tokens the language model's layers
/// actually process, summed over its layers, as a share of every vision token through every layer. An in-model stage
/// after layer k keeps its input through layers 0..k, so this is above retention for FastV and Stage 2.</item>
/// </list>
/// </summary>
/// <param name="Strategy">The strategy spec that ran.</param>
/// <param name="VisualTokensBefore">Tokens from the vision tower (all videos and images).</param>
/// <param name="PromptVisualTokens">Visual tokens placed in the prompt (after the stages before the model).</param>
/// <param name="PromptTokens">Length of the prompt the language model saw.</param>
/// <param name="Stages">Every stage in order: those before the model, then the in-model ones in the order they fired.</param>
/// <param name="LanguageModelLayers">Decoder layers of the language model (for the token-layer measure).</param>
public sealed record CompressionStats(string Strategy, int VisualTokensBefore, int PromptVisualTokens, int PromptTokens,
    IReadOnlyList<StageRecord> Stages, int LanguageModelLayers)
{
    /// <summary>The token budget the strategy ran under (<c>retention=R</c>, in percent), or null; achieved: <see cref="RetentionPercent"/>.</summary>
    public double? TargetRetentionPercent { get; init; }

    /// <summary>Visual tokens left after the last stage (inside the model for in-model stages).</summary>
    public int VisualTokensKept => PromptVisualTokens - Stages.Where(s => s.InModel).Sum(s => s.TokensBefore - s.TokensAfter);

    /// <summary>Retention: <see cref="VisualTokensKept"/> as a share of <see cref="VisualTokensBefore"/>, in percent (100 with no visual tokens).</summary>
    public double RetentionPercent => VisualTokensBefore == 0 ? 100.0 : 100.0 * VisualTokensKept / VisualTokensBefore;

    /// <summary>
    /// Visual token-layers the language model computes, summed over its layers: the prompt's visual tokens through
    /// every layer up to each in-model stage's layer, then what the stage kept.
    /// </summary>
    public long VisualTokenLayers
    {
        get
        {
            long total = 0;
            int tokens = PromptVisualTokens, from = 0;
            foreach (StageRecord stage in Stages.Where(s => s.InModel).OrderBy(s => s.Layer))
            {
                int through = Math.Min(stage.Layer!.Value + 1, LanguageModelLayers);
                total += (long)tokens * Math.Max(0, through - from);
                from = Math.Max(from, through);
                tokens -= stage.TokensBefore - stage.TokensAfter;
            }
            return total + (long)tokens * Math.Max(0, LanguageModelLayers - from);
        }
    }

    /// <summary><see cref="VisualTokenLayers"/> as a share of every vision token through every layer, in percent.</summary>
    public double VisualTokenLayersPercent => VisualTokensBefore == 0 || LanguageModelLayers == 0
        ? 100.0
        : 100.0 * VisualTokenLayers / ((double)VisualTokensBefore * LanguageModelLayers);
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
