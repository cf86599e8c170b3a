// PruneVid.NET — PruneVid Stage 1.
using PruneVid.Kernels.Clustering;

namespace PruneVid.Strategies.Stage1;

/// <summary>
/// PruneVid Stage 1 (official <c>merge_frames_dynamic</c>, docs/prunevid.md) on the host, composed from the plain
/// clustering references of <c>PruneVid.Kernels.Clustering</c>. It is the oracle of <see cref="Stage1OnBackend"/>:
/// <list type="number">
/// <item>frame descriptors (spatial means) → DPC-KNN with max(1, floor(T·ratio)) clusters → contiguity refinement → segments;</item>
/// <item>per segment and position, the mean pairwise cosine over the segment's frames; above tau the position is static;</item>
/// <item>static positions are averaged over time, then (if more than 14) merged by DPC-KNN;</item>
/// <item>each frame's dynamic tokens are (if more than 14) merged by DPC-KNN;</item>
/// <item>output per segment: static block, then each frame's dynamic block; clusters in centre-score order.</item>
/// </list>
/// Clamps where the official code would fail: k ≤ points, at least one temporal cluster, T = 1 (one all-dynamic
/// segment), segments of one frame (all dynamic instead of dividing by zero).
/// </summary>
public static class Stage1Algorithm
{
    /// <summary>Groups of at most this many tokens are kept unclustered (hard-coded 14 in the official code).</summary>
    public const int MergeThreshold = 14;

    /// <summary>
    /// Runs Stage 1 on <paramref name="features"/> [frames, tokensPerFrame, channels] (raster order).
    /// </summary>
    public static Stage1Result Run(ReadOnlySpan<float> features, int frames, int tokensPerFrame, int channels, Stage1Settings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (frames < 0 || tokensPerFrame < 0 || channels < 0)
            throw new ArgumentOutOfRangeException(nameof(frames), $"negative Stage-1 shape [{frames}, {tokensPerFrame}, {channels}]");
        long expected = (long)frames * tokensPerFrame * channels;
        if (features.Length != expected)
            throw new ArgumentException($"Stage 1 expects {frames}x{tokensPerFrame}x{channels} = {expected} values, got {features.Length}", nameof(features));
        if (settings.K < 1) throw new ArgumentOutOfRangeException(nameof(settings), $"DPC-KNN k must be at least 1, got {settings.K}");

        int T = frames, P = tokensPerFrame, C = channels;
        if (T == 0 || P == 0)
            return new Stage1Result([], 0, [], TokenProvenance.FromGroups([]), [], new int[T], new int[T]);

        (int[] frameLabels, int[] refined) = SegmentFrames(features, T, P, C, settings);
        var output = new OutputBuilder(C);
        var segments = new List<TokenSegment>();
        foreach (var (a, W) in TemporalSegmentation.Runs(refined))
        {
            int start = output.Rows;
            bool[] isStatic = StaticMask(features, a, W, P, C, settings.Tau);
            int[] staticPositions = Enumerable.Range(0, P).Where(p => isStatic[p]).ToArray();
            int[] dynamicPositions = Enumerable.Range(0, P).Where(p => !isStatic[p]).ToArray();

            // Static block: temporal mean of each static position, then a spatial merge.
            float[] z = TemporalMean(features, a, W, P, C, staticPositions);
            int[][] staticMembers = staticPositions.Select(p => Enumerable.Range(a, W).Select(t => t * P + p).ToArray()).ToArray();
            int[] staticRepresentatives = staticPositions.Select(p => a * P + p).ToArray();
            int staticCount = MergeGroup(output, z, staticMembers, staticRepresentatives, settings);

            // Dynamic blocks: each frame's dynamic tokens merged on their own.
            int perFrame = 0;
            for (int t = a; t < a + W; t++)
            {
                float[] y = Gather(features, t, P, C, dynamicPositions);
                int[][] members = dynamicPositions.Select(p => new[] { t * P + p }).ToArray();
                int[] representatives = dynamicPositions.Select(p => t * P + p).ToArray();
                perFrame = MergeGroup(output, y, members, representatives, settings);
            }
            segments.Add(new TokenSegment(a, W, staticCount, perFrame, start));
        }
        return new Stage1Result(output.Features.ToArray(), output.Rows, output.Representatives.ToArray(),
            TokenProvenance.FromGroups(output.Members), segments, frameLabels, refined);
    }

    /// <summary>Temporal DPC-KNN over frame descriptors and the contiguity refinement (docs/prunevid.md, Stage 1).</summary>
    public static (int[] Labels, int[] Refined) SegmentFrames(ReadOnlySpan<float> features, int T, int P, int C, Stage1Settings settings)
    {
        if (T == 1) return ([0], [0]); // a single frame is a single segment (the official code would fail here)
        float[] descriptors = [.. FrameMeans.Compute(features, T, P, C).Select(m => (float)m)];
        int clusters = Math.Max(1, (int)Math.Floor(T * settings.TemporalSegmentRatio));
        DpcKnnResult result = DpcKnn.Cluster(descriptors, T, C, clusters, Math.Min(settings.K, T));
        return (result.Labels, TemporalSegmentation.Refine(result.Labels));
    }

    /// <summary>
    /// Static mask of a segment: s_p = (Σ_t Σ_t' ⟨u_t,p, u_t',p⟩ − W) / (W(W − 1)) &gt; tau, with u the L2-normalised
    /// tokens. A one-frame segment is all dynamic (the official formula would divide by zero).
    /// </summary>
    public static bool[] StaticMask(ReadOnlySpan<float> features, int a, int W, int P, int C, double tau)
    {
        bool[] mask = new bool[P];
        if (W < 2) return mask;
        double[] sum = new double[C];
        for (int p = 0; p < P; p++)
        {
            Array.Clear(sum);
            for (int t = a; t < a + W; t++)
            {
                ReadOnlySpan<float> x = features.Slice((t * P + p) * C, C);
                double norm = 0;
                for (int c = 0; c < C; c++) norm += (double)x[c] * x[c];
                double inv = 1.0 / Math.Max(Math.Sqrt(norm), 1e-12); // F.normalize's eps
                for (int c = 0; c < C; c++) sum[c] += x[c] * inv;
            }
            double pairs = 0; // Σ_t Σ_t' ⟨u_t, u_t'⟩ = ‖Σ_t u_t‖²
            for (int c = 0; c < C; c++) pairs += sum[c] * sum[c];
            double score = (pairs - W) / (W * (W - 1.0));
            mask[p] = score > tau;
        }
        return mask;
    }

    private static float[] TemporalMean(ReadOnlySpan<float> features, int a, int W, int P, int C, int[] positions)
    {
        float[] z = new float[positions.Length * C];
        double[] sum = new double[C];
        for (int i = 0; i < positions.Length; i++)
        {
            Array.Clear(sum);
            for (int t = a; t < a + W; t++)
            {
                ReadOnlySpan<float> x = features.Slice((t * P + positions[i]) * C, C);
                for (int c = 0; c < C; c++) sum[c] += x[c];
            }
            for (int c = 0; c < C; c++) z[i * C + c] = (float)(sum[c] / W);
        }
        return z;
    }

    private static float[] Gather(ReadOnlySpan<float> features, int t, int P, int C, int[] positions)
    {
        float[] y = new float[positions.Length * C];
        for (int i = 0; i < positions.Length; i++)
            features.Slice((t * P + positions[i]) * C, C).CopyTo(y.AsSpan(i * C, C));
        return y;
    }

    /// <summary>Appends a group unchanged (≤ 14 tokens) or merged by DPC-KNN; returns the tokens appended.</summary>
    private static int MergeGroup(OutputBuilder output, float[] points, int[][] members, int[] representatives, Stage1Settings settings)
    {
        int n = members.Length, C = output.Channels;
        if (n <= MergeThreshold)
        {
            for (int i = 0; i < n; i++) output.Add(points.AsSpan(i * C, C), representatives[i], members[i]);
            return n;
        }
        int m = Math.Clamp((int)Math.Floor(n * settings.ClusterRatio), 1, n);
        DpcKnnResult clusters = DpcKnn.Cluster(points, n, C, m, Math.Min(settings.K, n));
        float[] means = new float[m * C];
        ClusterMean.Reference(points, n, C, clusters.Labels, m, means);
        for (int r = 0; r < m; r++)
        {
            int[] covered = Enumerable.Range(0, n).Where(i => clusters.Labels[i] == r).SelectMany(i => members[i]).Order().ToArray();
            output.Add(means.AsSpan(r * C, C), representatives[clusters.Centers[r]], covered);
        }
        return m;
    }

    private sealed class OutputBuilder(int channels)
    {
        public int Channels { get; } = channels;
        public List<float> Features { get; } = [];
        public List<int> Representatives { get; } = [];
        public List<IReadOnlyList<int>> Members { get; } = [];
        public int Rows => Representatives.Count;

        public void Add(ReadOnlySpan<float> row, int representative, int[] members)
        {
            foreach (float v in row) Features.Add(v);
            Representatives.Add(representative);
            Members.Add(members);
        }
    }
}
