// PruneVid.NET — PruneVid Stage 1.
using System.Globalization;
using PruneVid.Compute;

namespace PruneVid.Strategies.Stage1;

/// <summary>
/// PruneVid Stage 1: spatial-temporal token merging before the language model, exactly as the official code
/// (<see cref="Stage1Algorithm"/>).
/// <para>
/// Positions (the official code has none: PLLaVA uses 1-D RoPE). Every output token takes the original M-RoPE
/// (t, h, w) of a real input token, never an average: a dynamic cluster takes its DPC centre's position in its frame;
/// a static token (or static cluster) takes its centre's (h, w) with the temporal id of the segment's first frame,
/// i.e. the position of the centre token in that first frame. With the official output order (static block, then
/// dynamic frames) temporal ids never decrease along a segment. This is the GraphVID/FastVID practice (docs/prunevid.md, positions policy).
/// </para>
/// </summary>
[TokenReducer("prunevid-stage1", Description = "PruneVid Stage 1: temporal segments, static/dynamic split, DPC-KNN token merging (official order).")]
[TokenReducerPreset("balanced", "tau=0.8,cluster_ratio=0.5,temporal_segment_ratio=0.25,dpc_knn_k=5", Description = "the paper's setting")]
[TokenReducerPreset("aggressive", "tau=0.85,cluster_ratio=0.4,temporal_segment_ratio=0.2",
    Description = "fewer clusters per group (0.4) and fewer temporal segments (0.2) keep fewer tokens, but the higher tau (0.85) marks fewer tokens static, so less is merged over time: the net count depends on the video")]
[TokenReducerPreset("conservative", "tau=0.75,cluster_ratio=0.6,temporal_segment_ratio=0.3",
    Description = "more clusters per group (0.6) and more temporal segments (0.3) keep more tokens, but the lower tau (0.75) marks more tokens static, so more is merged over time: the net count depends on the video")]
public sealed class PruneVidStage1Reducer : ITokenReducer<PruneVidStage1Options>
{
    /// <inheritdoc />
    public PruneVidStage1Options Options { get; init; } = new();

    /// <inheritdoc />
    public TokenReduction Reduce(VideoTokens video, ReductionContext context)
    {
        ArgumentNullException.ThrowIfNull(video);
        ArgumentNullException.ThrowIfNull(context);
        // Stage 1 runs where the embeddings are; only segment bookkeeping and the kept indices cross to the host.
        // BF16 embeddings are widened to F32 once, on their backend.
        Tensor embeddings = video.Embeddings;
        Tensor? widened = embeddings.DType == DType.F32 ? null : Widen(embeddings);
        Stage1OnBackendResult result;
        try
        {
            result = Stage1OnBackend.Run(video.Backend, widened ?? embeddings, video.Grid.T, video.Grid.TokensPerFrame, Stage1Settings.From(Options));
        }
        finally
        {
            widened?.Dispose();
        }
        var positions = new TokenPosition[result.Rows];
        for (int i = 0; i < positions.Length; i++) positions[i] = video.Positions[result.Representatives[i]];
        int n = video.Count;

        if (Options.Verbose) context.Write(SummaryLine(n, result.Rows));
        return new TokenReduction(result.Features, positions, result.Provenance, result.Segments);
    }

    private static Tensor Widen(Tensor embeddings)
    {
        Tensor widened = embeddings.Backend.Allocate(DType.F32, embeddings.Shape);
        embeddings.Backend.ConvertToF32(embeddings, widened);
        return widened;
    }

    /// <summary>The reference implementation's summary, e.g. <c>[Stage 1] Tokens: 2304 -> 1152 (50.0% reduction)</c>.</summary>
    public static string SummaryLine(int before, int after)
    {
        double reduction = before == 0 ? 0 : (1.0 - (double)after / before) * 100.0;
        return string.Create(CultureInfo.InvariantCulture, $"[Stage 1] Tokens: {before} -> {after} ({reduction:F1}% reduction)");
    }
}
