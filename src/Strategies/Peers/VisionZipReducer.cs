// PruneVid.NET — peer reducers: VisionZip.
using PruneVid.Compute;

namespace PruneVid.Strategies.Peers;

/// <summary>
/// Parameters of <see cref="VisionZipReducer"/>. The defaults are VisionZip's published 64-token setting for a
/// 576-token image (54 dominant + 10 contextual), as shares of the video's tokens.
/// </summary>
public sealed class VisionZipOptions
{
    /// <summary>Share of tokens kept as dominant tokens (highest attention received).</summary>
    [Parameter(0.09375, Min = 0, Max = 1, Description = "dominant tokens = int(N * dominant_ratio), by attention received (54/576 in the paper's 64-token setting)")]
    public double DominantRatio { get; set; } = 0.09375;

    /// <summary>Share of tokens kept as contextual tokens (the rest merged into them).</summary>
    [Parameter(0.017361111, Min = 0, Max = 1, Description = "contextual tokens = int(N * contextual_ratio), at least 1 when tokens remain (10/576 in the paper's 64-token setting)")]
    public double ContextualRatio { get; set; } = 0.017361111;

    /// <summary>Vision block whose attention ranks the tokens; negative counts from the end.</summary>
    [Parameter(-2, Min = -64, Max = 63, Description = "vision block whose attention column sums rank the tokens (-2: the second to last, as the Qwen ports)")]
    public int AttentionBlock { get; set; } = -2;
}

/// <summary>
/// VisionZip (CVPR 2025, arXiv 2412.04467) for Qwen2.5-VL, following the official Qwen2-VL code
/// (dvlab-research/VisionZip, <c>qwen2vl_encoder.py</c>) and the Qwen ports' scoring (vLLM PR #38888,
/// <c>--vit-attention-score-layer-index -2</c>): Qwen's tower has no [CLS] token, so tokens are ranked by the
/// attention they receive at a late vision block (column sums, <see cref="VisionSignalKind.AttentionColumnSums"/>).
/// The top <c>dominant</c> are kept; of the rest, every step-th (step = rest / contextual) becomes a contextual
/// token and every other remaining token is merged into its most similar contextual token (cosine), which becomes
/// target + mean(merged), as the official code adds them.
/// <para>
/// Differences forced by running after the merger: similarity uses the merged tokens' embeddings (the official uses
/// the block's keys per patch), and the official's "cls" index 0 is not kept as a special token. Output is in raster
/// order of the tokens' original indices (the official concatenates dominant then contextual) so temporal ids never
/// decrease; each output keeps the original (t, h, w) of the token it is.
/// </para>
/// </summary>
[TokenReducer("visionzip", Description = "VisionZip (CVPR'25; official Qwen2-VL code, Qwen ports' column-sum scoring): dominant tokens by vision attention + contextual tokens merged by similarity.")]
[TokenReducerPreset("tokens-64", "dominant_ratio=0.09375,contextual_ratio=0.017361111", Description = "the paper's 64 of 576 (54 dominant + 10 contextual)")]
[TokenReducerPreset("tokens-128", "dominant_ratio=0.1875,contextual_ratio=0.034722222", Description = "the paper's 128 of 576 (108 + 20)")]
[TokenReducerPreset("tokens-192", "dominant_ratio=0.28125,contextual_ratio=0.052083333", Description = "the paper's 192 of 576 (162 + 30)")]
public sealed class VisionZipReducer : ITokenReducer<VisionZipOptions>, IRequestsVisionSignals
{
    /// <inheritdoc />
    public VisionZipOptions Options { get; init; } = new();

    private VisionSignalRequest Score => new(VisionSignalKind.AttentionColumnSums, Options.AttentionBlock);

    /// <inheritdoc />
    public IReadOnlyList<VisionSignalRequest> VisionSignals => [Score];

    /// <summary>The dominant and contextual counts for <paramref name="count"/> tokens.</summary>
    public static (int Dominant, int Contextual) Counts(int count, double dominantRatio, double contextualRatio)
    {
        int dominant = Math.Clamp((int)(count * dominantRatio), 0, count);
        int rest = count - dominant;
        int contextual = rest == 0 ? 0 : Math.Clamp((int)(count * contextualRatio), 1, rest);
        return (dominant, contextual);
    }

    /// <inheritdoc />
    public TokenReduction Reduce(VideoTokens video, ReductionContext context)
    {
        ArgumentNullException.ThrowIfNull(video);
        int n = video.Count, C = video.Channels;
        if (n == 0) return PeerTokens.Build(video, [], [], []);
        ReadOnlySpan<float> score = video.Signals.Get(Score);
        float[] host = PeerTokens.Download(video);
        var (dominantCount, contextualCount) = Counts(n, Options.DominantRatio, Options.ContextualRatio);

        int[] dominant = FastVidAlgorithm.TopByValue(score, dominantCount);
        var isDominant = new HashSet<int>(dominant);
        int[] rest = Enumerable.Range(0, n).Where(i => !isDominant.Contains(i)).ToArray();
        int step = Math.Max(1, rest.Length / Math.Max(contextualCount, 1));
        int[] targets = Enumerable.Range(0, contextualCount).Select(j => rest[j * step]).ToArray();
        var isTarget = new HashSet<int>(targets);

        // Every non-target token of the rest joins its most similar target (the first on a tie).
        var members = targets.Select(t => new List<int> { t }).ToArray();
        foreach (int m in rest.Where(i => !isTarget.Contains(i)))
        {
            int best = 0;
            double bestSim = double.NegativeInfinity;
            for (int a = 0; a < targets.Length; a++)
            {
                double sim = PeerTokens.Cosine(host.AsSpan(m * C, C), host.AsSpan(targets[a] * C, C));
                if (sim > bestSim) { bestSim = sim; best = a; }
            }
            members[best].Add(m);
        }

        // Every output row is an input row (kept on the device) except the targets that absorbed tokens, computed here.
        int[] representatives = [.. dominant.Concat(targets).Order()];
        var outputOf = representatives.Select((r, i) => (r, i)).ToDictionary(p => p.r, p => p.i);
        var owner = new int[n];
        foreach (int d in dominant) owner[d] = outputOf[d];
        var mergedRows = new List<int>();
        var merged = new List<float>();
        for (int a = 0; a < targets.Length; a++)
        {
            foreach (int m in members[a]) owner[m] = outputOf[targets[a]];
            int cnt = members[a].Count - 1;
            if (cnt == 0) continue;
            var sum = new double[C];
            foreach (int m in members[a].Skip(1))
                for (int c = 0; c < C; c++) sum[c] += host[m * C + c];
            for (int c = 0; c < C; c++) merged.Add(host[targets[a] * C + c] + (float)(sum[c] / cnt));
            mergedRows.Add(outputOf[targets[a]]);
        }
        Tensor output = PeerTokens.KeepRows(video, representatives);
        try
        {
            if (mergedRows.Count > 0)
            {
                using Tensor rows = video.Backend.FromF32([.. merged], mergedRows.Count, C);
                using Tensor at = video.Backend.FromI32([.. mergedRows], mergedRows.Count);
                video.Backend.ScatterRows(rows, at, output);
            }
            return PeerTokens.Build(video, output, representatives, owner);
        }
        catch
        {
            output.Dispose();
            throw;
        }
    }

}
