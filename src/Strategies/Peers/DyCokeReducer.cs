// PruneVid.NET — peer reducers: DyCoke.
namespace PruneVid.Strategies.Peers;

/// <summary>Parameters of <see cref="DyCokeReducer"/> (the official <c>dycoke_k</c>).</summary>
public sealed class DyCokeOptions
{
    /// <summary>Share of a non-reference frame's tokens pruned: int((1 − k)·P) of them are kept.</summary>
    [BudgetKnob(BudgetKnobKind.Decreasing)] // reference steps stay whole, so the share is met by bisection
    [Parameter(0.7, Min = 0, Max = 1, Name = "dycoke_k", Description = "pruned share of each non-reference step: keep int((1-k) * tokens per step) (dycoke_k)")]
    public double K { get; set; } = 0.7;
}

/// <summary>
/// DyCoke (CVPR 2025, arXiv 2411.15024), its token temporal merging before the language model, ported from
/// <c>dycole_ttm</c> in the official <c>llava_arch.py</c> (KD-TAO/DyCoke), with Qwen2.5-VL temporal steps as its
/// frames. Pairs (2i, 2i+1): step 2i+1 keeps the int((1 − k)·P) tokens least similar (cosine) to the same cell of step
/// 2i. Windows of four starting at 4i while 4i &lt; T − 4: step 4i+2 is instead compared with step 4i. Reference steps
/// (the even steps that are not re-pruned) are kept whole.
/// <para>
/// Not ported: DyCoke's decode-time dynamic KV-cache pruning (re-selecting visual KV entries by the last token's
/// attention at layer 3). Deviations: a last unpaired step, which the official loop drops silently, is kept whole;
/// kept tokens are in raster order inside a step (the official keeps them in similarity order) and keep their
/// original (t, h, w); ties of similarity go to the lower index.
/// </para>
/// </summary>
[TokenReducer("dycoke", Description = "DyCoke (CVPR'25, KD-TAO/DyCoke llava_arch.py) token temporal merging: non-reference steps keep the tokens least similar to their reference; decode-time KV pruning not ported.")]
public sealed class DyCokeReducer : ITokenReducer<DyCokeOptions>, IPredictsKeptTokens
{
    /// <inheritdoc />
    public DyCokeOptions Options { get; init; } = new();

    /// <summary>
    /// The count <see cref="KeptIndices"/> gives without the embeddings: every step whole except the pruned ones (each odd
    /// step, and step 4i+2 while 4i &lt; T − 4), which keep int((1 − k)·P).
    /// </summary>
    public int KeptTokens(int tokens, int frames, IReadOnlyList<TokenSegment> segments)
    {
        if (frames <= 0 || tokens % frames != 0) return tokens;
        int p = tokens / frames, keep = Math.Clamp((int)((1.0 - Options.K) * p), 0, p);
        int pruned = frames / 2 + (frames > 4 ? (frames - 4 + 3) / 4 : 0);
        return tokens - pruned * (p - keep);
    }

    /// <summary>The kept token indices (ascending) of <paramref name="embeddings"/> [T·P, C].</summary>
    public static int[] KeptIndices(ReadOnlySpan<float> embeddings, int steps, int tokensPerStep, int channels, double k)
    {
        int T = steps, P = tokensPerStep;
        int keep = Math.Clamp((int)((1.0 - k) * P), 0, P);
        var kept = new int[T][];
        for (int t = 0; t < T; t++) kept[t] = Enumerable.Range(t * P, P).ToArray(); // whole unless pruned below
        for (int i = 0; i + 1 < T; i += 2) kept[i + 1] = LeastSimilar(embeddings, i, i + 1, P, channels, keep);
        for (int i = 0; i < T - 4; i += 4) kept[i + 2] = LeastSimilar(embeddings, i, i + 2, P, channels, keep);
        return kept.SelectMany(x => x).ToArray();
    }

    /// <summary>The <paramref name="keep"/> tokens of step <paramref name="target"/> least similar to the same cell of step <paramref name="reference"/>, ascending.</summary>
    private static int[] LeastSimilar(ReadOnlySpan<float> e, int reference, int target, int P, int C, int keep)
    {
        var similarity = new float[P];
        for (int p = 0; p < P; p++) similarity[p] = -(float)PeerTokens.Cosine(e.Slice((reference * P + p) * C, C), e.Slice((target * P + p) * C, C));
        return FastVidAlgorithm.TopByValue(similarity, keep).Select(p => target * P + p).ToArray();
    }


    /// <inheritdoc />
    public TokenReduction Reduce(VideoTokens video, ReductionContext context)
    {
        ArgumentNullException.ThrowIfNull(video);
        float[] host = PeerTokens.Download(video);
        int[] kept = KeptIndices(host, video.Grid.T, video.Grid.TokensPerFrame, video.Channels, Options.K);
        return PeerTokens.KeepAndAttach(video, kept);
    }
}
