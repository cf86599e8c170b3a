// PruneVid.NET — peer reducers: vLLM Efficient Video Sampling.
namespace PruneVid.Strategies.Peers;

/// <summary>
/// Efficient Video Sampling (NVIDIA, arXiv 2510.14624) as vLLM runs it for Qwen2.5-VL: <c>compute_retention_mask</c>
/// of <c>vllm/multimodal/evs.py</c> (<see cref="EvsRetention"/>), applied to each video's merger output before the
/// language model. Tokens that changed least since the previous temporal step are dropped; step 0 is kept whole.
/// <para>
/// Positions: every kept token keeps its original M-RoPE (t, h, w), as in vLLM. The text after the video follows the
/// Hugging Face rule of this runtime (max position + 1), not vLLM's <c>recompute_mrope_positions</c>, which puts it at
/// base + merged width; the two differ only after the video and only when the video is taller than wide or long.
/// </para>
/// </summary>
[TokenReducer("evs", Description = "vLLM Efficient Video Sampling (evs.py compute_retention_mask): drops the tokens least changed since the previous step; step 0 kept whole.")]
public sealed class EvsReducer : ITokenReducer<EvsOptions>
{
    /// <inheritdoc />
    public EvsOptions Options { get; init; } = new();

    /// <inheritdoc />
    public TokenReduction Reduce(VideoTokens video, ReductionContext context)
    {
        ArgumentNullException.ThrowIfNull(video);
        if (Options.PruningRate is < 0 or >= 1 || double.IsNaN(Options.PruningRate))
            throw new ArgumentOutOfRangeException(nameof(Options), $"EVS pruning_rate must be in [0, 1), got {Options.PruningRate}");
        float[] host = PeerTokens.Download(video);
        int[] kept = video.Count == 0 ? [] : EvsRetention.KeptIndices(host, video.Grid.T, video.Grid.TokensPerFrame, video.Channels, Options.PruningRate);
        return PeerTokens.KeepAndAttach(video, kept);
    }
}
