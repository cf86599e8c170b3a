// PruneVid.NET — peer reducers: FastVID.
using PruneVid.Kernels.Clustering;

namespace PruneVid.Strategies.Peers;

/// <summary>The settings FastVID runs with (see <see cref="FastVidOptions"/>).</summary>
public sealed record FastVidSettings(double RetentionRatio, int C, double Tau, double Ignore, double D, int P, double Beta)
{
    /// <summary>The official defaults (Qwen2.5-VL <c>eval.sh</c>).</summary>
    public static FastVidSettings Default { get; } = From(new FastVidOptions());

    /// <summary>From reducer options.</summary>
    public static FastVidSettings From(FastVidOptions o) => new(o.RetentionRatio, o.DysegC, o.DysegTau, o.DysegIgnore, o.StpruneD, o.DtmP, o.DtmBeta);
}

/// <summary>Every intermediate of a FastVID run, so each can be compared with the official code's.</summary>
public sealed record FastVidResult(
    float[] FrameFeatures, float[] FrameSimilarity, int[] Cuts, int[] SegmentSizes, int[] SegmentStarts,
    int[] InnerSegmentSizes, int[] InnerSegmentCounts, int[] SalientPerStep, int[] ContextPerStep,
    int[] SalientIndices, int[] AnchorIndices, int[] AnchorMergeCounts, int[] KeptIndices, bool[] KeptIsAnchor,
    float[] Output, int[] Owner);

/// <summary>
/// FastVID's pruning for Qwen2.5-VL, as the official <c>modeling_qwen2_5_vl.py</c> of LunarShen/FastVID runs it
/// inline in the model's forward: DySeg (dynamic temporal segments), per-segment budgets with sub-segments and anchor
/// sub-segments, salient tokens by the last vision block's saliency, context tokens by density peaks (STPrune),
/// anchor merging (DTM), output in ascending raster order.
/// <para>
/// Where the official code crashes, this port continues: fewer steps than c (k = min(c − 1, T − 1) cuts), no cut at
/// all (one segment), fewer than 4 candidates for a density (k = min(4, N)), segments without salient tokens
/// (budgets clamped at 0), zero norms (an eps). The density's 1e-6 random jitter is left out and ties are broken by
/// the lower index everywhere (saliency, scores, density order, anchor choice) — the official choices on exact ties
/// are unspecified.
/// </para>
/// </summary>
public static class FastVidAlgorithm
{
    /// <summary>Neighbours of the density (self included), hard-coded in the official code.</summary>
    public const int DensityNeighbours = 4;

    private const double NormEps = 1e-12;

    /// <summary>
    /// Runs FastVID on <paramref name="embeddings"/> [T·n, C] (raster order) with <paramref name="saliency"/> [T·n]
    /// (each step's row of the last block's frame saliency).
    /// </summary>
    public static FastVidResult Run(ReadOnlySpan<float> embeddings, ReadOnlySpan<float> saliency, int steps, int tokensPerStep, int channels, FastVidSettings s)
    {
        ArgumentNullException.ThrowIfNull(s);
        int T = steps, n = tokensPerStep, C = channels;
        if (embeddings.Length != (long)T * n * C)
            throw new ArgumentException($"FastVID expects {T}x{n}x{C} values, got {embeddings.Length}", nameof(embeddings));
        if (saliency.Length != T * n)
            throw new ArgumentException($"FastVID saliency has {saliency.Length} values for {T * n} tokens", nameof(saliency));

        float[] g = FrameFeatures(embeddings, T, n, C);
        float[] sim = new float[Math.Max(T - 1, 0)];
        for (int i = 0; i + 1 < T; i++) sim[i] = Dot(g.AsSpan(i * C, C), g.AsSpan((i + 1) * C, C));
        int[] cuts = Cuts(sim, s.C, s.Tau);
        int[] sizes = Sizes(cuts, T);

        int frameRetain = (int)((double)n * s.RetentionRatio);
        var salientPerStep = new int[T];
        var contextPerStep = new int[T];
        var innerSizes = new List<int>();
        var innerCounts = new int[sizes.Length];
        var starts = new int[sizes.Length];
        for (int seg = 0, start = 0; seg < sizes.Length; start += sizes[seg], seg++)
        {
            starts[seg] = start;
            int[] inner = Budgets(sim, start, sizes[seg], n, frameRetain, s, salientPerStep, contextPerStep);
            innerSizes.AddRange(inner);
            innerCounts[seg] = inner.Length;
        }

        var salient = new List<int>();
        var anchors = new SortedDictionary<int, int>(); // anchor index → merge count
        var merged = new Dictionary<int, float[]>();
        int[] owner = new int[T * n];
        Array.Fill(owner, -1);
        for (int seg = 0; seg < sizes.Length; seg++)
            Segment(embeddings, saliency, starts[seg], sizes[seg], n, C, s.Beta, salientPerStep, contextPerStep, salient, anchors, merged, owner);

        // Budgets can round to nothing on tiny steps (the official code fails there); keep the most salient token.
        if (salient.Count == 0 && anchors.Count == 0 && T * n > 0)
        {
            int top = TopByValue(saliency, 1)[0];
            salient.Add(top);
            owner[top] = top;
        }
        int[] salientIndices = [.. salient.Order()];
        int[] anchorIndices = [.. anchors.Keys];
        int[] kept = [.. salientIndices.Concat(anchorIndices).Order()];
        var keptIsAnchor = kept.Select(anchors.ContainsKey).ToArray();
        float[] output = new float[(long)kept.Length * C];
        for (int i = 0; i < kept.Length; i++)
        {
            ReadOnlySpan<float> row = merged.TryGetValue(kept[i], out float[]? m) ? m : embeddings.Slice(kept[i] * C, C);
            row.CopyTo(output.AsSpan(i * C, C));
        }
        return new FastVidResult(g, sim, cuts, sizes, starts, [.. innerSizes], innerCounts, salientPerStep, contextPerStep,
            salientIndices, anchorIndices, [.. anchors.Values], kept, keptIsAnchor, output, OwnersByOutput(owner, kept));
    }

    /// <summary>Step means of the tokens, L2-normalised (the official has no eps; one guards a zero mean here).</summary>
    public static float[] FrameFeatures(ReadOnlySpan<float> embeddings, int T, int n, int C)
    {
        double[] means = FrameMeans.Compute(embeddings, T, n, C);
        float[] g = new float[T * C];
        for (int t = 0; t < T; t++)
        {
            ReadOnlySpan<double> mean = means.AsSpan(t * C, C);
            double norm = 0;
            for (int c = 0; c < C; c++) norm += mean[c] * mean[c];
            double inv = 1.0 / Math.Max(Math.Sqrt(norm), NormEps);
            for (int c = 0; c < C; c++) g[t * C + c] = (float)(mean[c] * inv);
        }
        return g;
    }

    /// <summary>DySeg cuts: the min(c − 1, T − 1) smallest similarities ∪ those below tau (strict), ascending.</summary>
    public static int[] Cuts(ReadOnlySpan<float> similarity, int c, double tau)
    {
        int k = Math.Clamp(c - 1, 0, similarity.Length);
        float[] sim = similarity.ToArray();
        var cuts = new SortedSet<int>(Enumerable.Range(0, sim.Length).OrderBy(i => sim[i]).Take(k));
        for (int i = 0; i < sim.Length; i++) if (sim[i] < tau) cuts.Add(i);
        return [.. cuts];
    }

    /// <summary>Run lengths of the steps split at <paramref name="cuts"/> (a cut i separates step i from i + 1).</summary>
    public static int[] Sizes(IReadOnlyList<int> cuts, int steps)
    {
        if (steps == 0) return [];
        var sizes = new List<int>();
        int previous = -1;
        foreach (int cut in cuts) { sizes.Add(cut - previous); previous = cut; }
        sizes.Add(steps - previous - 1);
        return [.. sizes];
    }

    /// <summary>Writes the salient and context budgets of one segment's steps; returns its sub-segment sizes.</summary>
    private static int[] Budgets(float[] sim, int start, int L, int n, int frameRetain, FastVidSettings s, int[] salient, int[] context)
    {
        int segRetain = frameRetain * L;
        int segContext = Math.Max((int)((double)segRetain * s.D), 1);
        int segSalient = Math.Max(segRetain - segContext, 0); // the official code fails on a negative budget
        if (L == 1)
        {
            salient[start] = segSalient;
            context[start] = segContext;
            return [1];
        }
        var innerCuts = Enumerable.Range(0, L - 1).Where(j => sim[start + j] < s.Ignore).ToArray();
        int[] inner = Sizes(innerCuts, L);
        int V = inner.Length, A = (V + s.P - 1) / s.P;
        int[] salientShares = Split(segSalient, V);
        int[] anchorShares = Split(segContext, A);
        var shares = new int[V];
        for (int j = 0, a = 0; j < V; j++) shares[j] = j % s.P == 0 ? Math.Min(anchorShares[a++], n / 2) : 0;
        Array.Reverse(shares); // anchor sub-segments count from the end: share 0 lands on the last one
        for (int j = 0, end = start; j < V; j++)
        {
            end += inner[j];
            int receiver = end - 1; // only the last step of a sub-segment keeps tokens
            if (shares[j] == 0) salient[receiver] = Math.Min(salientShares[j], n);
            else
            {
                context[receiver] = Math.Min(shares[j], n / 2);
                salient[receiver] = Math.Min(salientShares[j], n - context[receiver]);
            }
        }
        return inner;
    }

    /// <summary><paramref name="total"/> over <paramref name="parts"/> as evenly as possible, the first ones getting the extras.</summary>
    private static int[] Split(int total, int parts)
    {
        var shares = new int[parts];
        for (int j = 0; j < parts; j++) shares[j] = total / parts + (j < total % parts ? 1 : 0);
        return shares;
    }

    /// <summary>Salient and context tokens of one segment, then the anchor merging (DTM).</summary>
    private static void Segment(ReadOnlySpan<float> e, ReadOnlySpan<float> saliency, int start, int L, int n, int C, double beta,
        int[] salientPerStep, int[] contextPerStep, List<int> salient, SortedDictionary<int, int> anchors, Dictionary<int, float[]> merged, int[] owner)
    {
        var segmentSalient = new HashSet<int>();
        var contextSteps = new List<int[]>();
        for (int t = start; t < start + L; t++)
        {
            int[] top = TopByValue(saliency.Slice(t * n, n), salientPerStep[t]).Select(i => t * n + i).ToArray();
            segmentSalient.UnionWith(top);
            salient.AddRange(top);
            if (contextPerStep[t] > 0) contextSteps.Add(ContextTokens(e, t, n, C, top, contextPerStep[t]));
        }
        foreach (int i in segmentSalient) owner[i] = i;

        int first = start * n, count = L * n;
        float[] unit = Normalised(e.Slice(first * C, count * C), count, C);
        foreach (int[] anchorSet in contextSteps)
        {
            if (anchorSet.Length == 0) continue;
            var isAnchor = new HashSet<int>(anchorSet);
            var assigned = new List<int>[anchorSet.Length];
            for (int a = 0; a < assigned.Length; a++) assigned[a] = [];
            for (int m = first; m < first + count; m++)
            {
                if (segmentSalient.Contains(m) || isAnchor.Contains(m)) continue;
                int best = 0;
                float bestSim = float.NegativeInfinity;
                for (int a = 0; a < anchorSet.Length; a++)
                {
                    float sim = Dot(unit.AsSpan((m - first) * C, C), unit.AsSpan((anchorSet[a] - first) * C, C));
                    if (sim > bestSim) { bestSim = sim; best = a; } // the first anchor wins an exact tie
                }
                assigned[best].Add(m);
                if (owner[m] < 0) owner[m] = anchorSet[best]; // provenance: the first context step that merges it
            }
            for (int a = 0; a < anchorSet.Length; a++)
            {
                int k = anchorSet[a], cnt = assigned[a].Count;
                anchors[k] = cnt;
                owner[k] = k;
                if (cnt == 0) continue; // unchanged, bit for bit
                float w = MathF.Max(1f / (cnt + 1), (float)beta);
                var row = new float[C];
                var agg = new double[C];
                foreach (int m in assigned[a])
                {
                    ReadOnlySpan<float> x = e.Slice(m * C, C);
                    for (int c = 0; c < C; c++) agg[c] += x[c];
                }
                ReadOnlySpan<float> xk = e.Slice(k * C, C);
                for (int c = 0; c < C; c++) row[c] = w * xk[c] + (1f - w) * (float)(agg[c] / cnt);
                merged[k] = row;
            }
        }
    }

    /// <summary>
    /// Density-peak context tokens of step <paramref name="t"/> among its non-salient tokens: distance ‖y_i − y_j‖/√C,
    /// density over min(4, N) nearest (self included), δ to the nearest denser token (the matrix maximum for the
    /// densest), the <paramref name="count"/> largest ρ·δ, returned as ascending video indices.
    /// </summary>
    private static int[] ContextTokens(ReadOnlySpan<float> e, int t, int n, int C, int[] salient, int count)
    {
        var isSalient = new HashSet<int>(salient);
        int[] rest = Enumerable.Range(t * n, n).Where(i => !isSalient.Contains(i)).ToArray();
        int N = rest.Length;
        if (N == 0) return [];
        float[] y = PeerTokens.Gather(e, rest, C);
        float[] dist = new float[N * N];
        PairwiseDistance.Reference(y, N, C, dist);
        float[] density = new float[N];
        KnnDensity.Reference(dist, N, Math.Min(DensityNeighbours, N), density);
        float[] score = new float[N];
        DensityPeakScore.Reference(dist, density, N, score);
        return DensityPeakScore.TopCenters(score, N, Math.Min(count, N)).Order().Select(i => rest[i]).ToArray();
    }

    /// <summary>The <paramref name="count"/> indices of the largest values (the lower index first on a tie), ascending.</summary>
    internal static int[] TopByValue(ReadOnlySpan<float> values, int count)
    {
        float[] v = values.ToArray();
        return Enumerable.Range(0, v.Length).OrderByDescending(i => v[i]).Take(Math.Clamp(count, 0, v.Length)).Order().ToArray();
    }

    private static float[] Normalised(ReadOnlySpan<float> x, int rows, int C)
    {
        float[] u = new float[rows * C];
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> row = x.Slice(r * C, C);
            double norm = 0;
            for (int c = 0; c < C; c++) norm += (double)row[c] * row[c];
            float inv = (float)(1.0 / Math.Max(Math.Sqrt(norm), NormEps));
            for (int c = 0; c < C; c++) u[r * C + c] = row[c] * inv;
        }
        return u;
    }

    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int c = 0; c < a.Length; c++) sum += (double)a[c] * b[c];
        return (float)sum;
    }

    /// <summary>
    /// Output index of the kept token each input is credited to: itself when kept, the anchor that first merged it,
    /// else (a step whose segment merged nothing) the kept token nearest in raster order.
    /// </summary>
    private static int[] OwnersByOutput(int[] owner, int[] kept)
    {
        var outputOf = new Dictionary<int, int>();
        for (int i = 0; i < kept.Length; i++) outputOf[kept[i]] = i;
        var result = new int[owner.Length];
        for (int i = 0; i < owner.Length; i++)
            result[i] = owner[i] >= 0 ? outputOf[owner[i]] : kept.Length == 0 ? -1 : PeerTokens.NearestInRaster(kept, i);
        return result;
    }
}
