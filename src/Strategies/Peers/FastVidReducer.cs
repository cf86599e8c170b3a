// PruneVid.NET — peer reducers: FastVID.
namespace PruneVid.Strategies.Peers;

/// <summary>
/// FastVID (NeurIPS 2025, arXiv 2503.11187), ported from the official Qwen2.5-VL code (LunarShen/FastVID,
/// <c>fastvid_qwen25vl/.../modeling_qwen2_5_vl.py</c>); the algorithm is <see cref="FastVidAlgorithm"/>. It needs the
/// last vision block's frame saliency, which it requests from the encoder (<see cref="IRequestsVisionSignals"/>).
/// <para>
/// Positions: the official code computes M-RoPE ids on the unpruned sequence and gathers them, so every kept token —
/// salient or anchor — keeps the (t, h, w) of its original slot, and merging never moves an anchor. The text after
/// the video keeps the position it has in the unpruned prompt in the official code; this runtime places it at the
/// kept tokens' max + 1, as for every reducer.
/// </para>
/// </summary>
[TokenReducer("fastvid", Description = "FastVID (NeurIPS'25, official Qwen2.5-VL code): DySeg segments, salient tokens by last-block saliency, density-peak anchors, anchor merging.")]
[TokenReducerPreset("paper", "retention_ratio=0.27,dyseg_c=8,dyseg_tau=0.84,dyseg_ignore=0.95,stprune_d=0.4,dtm_p=4,dtm_beta=0.6",
    Description = "the official Qwen2.5-VL eval.sh setting (27% of tokens)")]
public sealed class FastVidReducer : ITokenReducer<FastVidOptions>, IRequestsVisionSignals
{
    /// <inheritdoc />
    public FastVidOptions Options { get; init; } = new();

    /// <inheritdoc />
    public IReadOnlyList<VisionSignalRequest> VisionSignals { get; } = [VisionSignalRequest.LastBlockSaliency];

    /// <inheritdoc />
    public TokenReduction Reduce(VideoTokens video, ReductionContext context)
    {
        ArgumentNullException.ThrowIfNull(video);
        if (video.Count == 0) return PeerTokens.Build(video, [], [], []);
        ReadOnlySpan<float> saliency = video.Signals.Get(VisionSignalRequest.LastBlockSaliency);
        float[] host = PeerTokens.Download(video);
        FastVidResult result = FastVidAlgorithm.Run(host, saliency, video.Grid.T, video.Grid.TokensPerFrame, video.Channels, FastVidSettings.From(Options));
        return PeerTokens.Build(video, result.Output, result.KeptIndices, result.Owner);
    }
}
