// PruneVid.NET — token-reduction contract.
using PruneVid.Compute;
using PruneVid.Kernels;

namespace PruneVid.Strategies;

/// <summary>Scores a video span of a hook's layer state with <see cref="ReductionOps.AttentionScores"/>.</summary>
public static class AttentionScoring
{
    /// <summary>
    /// One score per token of <paramref name="video"/>: the attention it receives from query rows
    /// [<paramref name="rowStart"/>, <paramref name="rowStart"/> + <paramref name="rowCount"/>), downloaded to the host.
    /// </summary>
    public static float[] Score(LanguageModelLayerState state, VideoSpan video, int rowStart, int rowCount, bool causal, AttentionScoreHeads heads)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(video);
        Tensor q = state.Queries ?? throw new InvalidOperationException("the layer state has no queries: the hook must ask for them through Inputs");
        Tensor k = state.Keys ?? throw new InvalidOperationException("the layer state has no keys: the hook must ask for them through Inputs");
        ComputeBackend backend = q.Backend;
        float[] scores = new float[video.Length];
        if (video.Length == 0) return scores;
        using Tensor device = backend.Allocate(DType.F32, video.Length);
        backend.Reduction.AttentionScores(q, k, state.Attention, new AttentionScoreRequest(rowStart, rowCount, video.Start, video.Length, causal, heads), device);
        backend.CopyToHost(device, scores);
        return scores;
    }
}
