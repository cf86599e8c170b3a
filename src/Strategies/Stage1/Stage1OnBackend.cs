// PruneVid.NET — PruneVid Stage 1.
using PruneVid.Compute;

namespace PruneVid.Strategies.Stage1;

/// <summary>Stage 1 of one video computed on a backend: the merged features stay there.</summary>
/// <param name="Features">[Rows, C] merged features in the official output order, on the backend (the caller owns it).</param>
/// <param name="Representatives">Input token whose position each output token takes (as <see cref="Stage1Result"/>).</param>
/// <param name="Provenance">Input tokens covered by each output token.</param>
/// <param name="Segments">Segments with their static/dynamic sizes.</param>
/// <param name="FrameLabels">Temporal DPC-KNN label of every frame (before refinement).</param>
/// <param name="RefinedFrameLabels">Labels after the contiguity refinement.</param>
public sealed record Stage1OnBackendResult(Tensor Features, int[] Representatives, TokenProvenance Provenance,
    IReadOnlyList<TokenSegment> Segments, int[] FrameLabels, int[] RefinedFrameLabels)
{
    /// <summary>Output token count.</summary>
    public int Rows => Representatives.Length;
}

/// <summary>
/// PruneVid Stage 1 (<see cref="Stage1Algorithm"/>, its host oracle) on the embeddings where they are, through the
/// backend's clustering ops (docs/prunevid.md, "Stage 1 on a backend"). Three rounds, each one op call per step for
/// all segments or groups together: (1) frame means and the temporal DPC-KNN, labels read back; (2) the static test
/// of every (segment, position), mask read back; (3) the points of all static and dynamic groups and one batched
/// DPC-KNN merge, centres and labels read back. The host keeps only the bookkeeping (refinement, segments, group
/// tables, provenance), so transfers per call do not depend on the number of groups.
/// </summary>
public static class Stage1OnBackend
{
    /// <summary>
    /// Runs Stage 1 on <paramref name="embeddings"/> F32 [frames·tokensPerFrame, C] (raster order). k is clamped to
    /// each group's size like the host algorithm, and may not exceed 16 (<c>KnnDensity.MaxDeviceK</c>; the registry allows 10).
    /// </summary>
    public static Stage1OnBackendResult Run(ComputeBackend backend, Tensor embeddings, int frames, int tokensPerFrame, Stage1Settings settings)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(embeddings);
        ArgumentNullException.ThrowIfNull(settings);
        int T = frames, P = tokensPerFrame, C = embeddings.RowLength;
        if (T < 0 || P < 0) throw new ArgumentOutOfRangeException(nameof(frames), $"Stage 1: negative shape [{T}, {P}]");
        if (embeddings.Rows != (long)T * P) throw new ArgumentException($"Stage 1: {embeddings} should have {T}x{P} rows", nameof(embeddings));
        if (settings.K < 1) throw new ArgumentOutOfRangeException(nameof(settings), $"Stage 1: DPC-KNN k must be at least 1, got {settings.K}");
        if (T == 0 || P == 0)
            return new Stage1OnBackendResult(backend.Allocate(DType.F32, 0, C), [], TokenProvenance.FromGroups([]), [], new int[T], new int[T]);

        int[] labels = FrameLabels(backend, embeddings, T, P, settings);
        int[] refined = TemporalSegmentation.Refine(labels);
        List<(int Start, int Length)> runs = TemporalSegmentation.Runs(refined);
        int[] mask = StaticMasks(backend, embeddings, runs, P, settings.Tau);

        // Groups in output order: per segment its static group, then each frame's dynamic group.
        var rowSets = new List<RowSet>();
        var groups = new List<ClusterGroup>();
        var members = new List<int[]>();       // input tokens of every point
        var representatives = new List<int>(); // input token of every point
        var groupPoints = new List<int>();     // first point of every group
        var segmentGroups = new List<(int Static, int PerFrame)>();
        for (int s = 0; s < runs.Count; s++)
        {
            var (a, W) = runs[s];
            int[] staticPositions = Enumerable.Range(0, P).Where(p => mask[s * P + p] == 1).ToArray();
            int[] dynamicPositions = Enumerable.Range(0, P).Where(p => mask[s * P + p] == 0).ToArray();
            int staticRows = AddGroup(staticPositions, p => (a * P + p, W, P), p => Enumerable.Range(a, W).Select(t => t * P + p).ToArray());
            int perFrame = 0;
            for (int t = a; t < a + W; t++)
            {
                int frame = t;
                perFrame = AddGroup(dynamicPositions, p => (frame * P + p, 1, 1), p => [frame * P + p]);
            }
            segmentGroups.Add((staticRows, perFrame));
        }

        int n = members.Count, groupCount = groups.Count, rows = 0;
        for (int g = 0; g < groupCount; g++) rows += groups[g].Clusters;
        int[] assignment = new int[rows + n];
        Tensor means = backend.Allocate(DType.F32, rows, C);
        try
        {
            using (Tensor points = backend.Allocate(DType.F32, n, C))
            using (Tensor packed = backend.Allocate(DType.I32, rows + n))
            {
                backend.Reduction.RowMeans(embeddings, rowSets.ToArray(), points);
                backend.Reduction.DpcKnnMerge(points, groups.ToArray(), means, packed);
                backend.CopyToHost(packed, assignment);
            }
        }
        catch
        {
            means.Dispose();
            throw;
        }

        var outputRepresentatives = new int[rows];
        var covered = new List<IReadOnlyList<int>>(rows);
        int row = 0;
        for (int g = 0; g < groupCount; g++)
        {
            int first = groupPoints[g], size = groups[g].Points, m = groups[g].Clusters;
            for (int r = 0; r < m; r++, row++)
            {
                outputRepresentatives[row] = representatives[first + assignment[row]];
                covered.Add(Enumerable.Range(first, size).Where(i => assignment[rows + i] == r).SelectMany(i => members[i]).Order().ToArray());
            }
        }
        var segments = new List<TokenSegment>(runs.Count);
        int start = 0;
        for (int s = 0; s < runs.Count; s++)
        {
            var (a, W) = runs[s];
            var (staticRows, perFrame) = segmentGroups[s];
            segments.Add(new TokenSegment(a, W, staticRows, perFrame, start));
            start += staticRows + W * perFrame;
        }
        return new Stage1OnBackendResult(means, outputRepresentatives, TokenProvenance.FromGroups(covered), segments, labels, refined);

        // Adds one group of points (none when empty) and returns the rows it will have.
        int AddGroup(int[] positions, Func<int, (int First, int Count, int Stride)> rowSet, Func<int, int[]> tokens)
        {
            int size = positions.Length;
            if (size == 0) return 0;
            groupPoints.Add(members.Count);
            foreach (int p in positions)
            {
                var (first, count, stride) = rowSet(p);
                rowSets.Add(new RowSet(first, count, stride));
                members.Add(tokens(p));
                representatives.Add(first);
            }
            if (size <= Stage1Algorithm.MergeThreshold)
            {
                groups.Add(ClusterGroup.Keep(size));
                return size;
            }
            int m = Math.Clamp((int)Math.Floor(size * settings.ClusterRatio), 1, size);
            groups.Add(new ClusterGroup(size, m, Math.Min(settings.K, size), Cluster: true));
            return m;
        }
    }

    // Frame means and the temporal DPC-KNN with max(1, floor(T·ratio)) clusters; one frame is one segment.
    private static int[] FrameLabels(ComputeBackend backend, Tensor embeddings, int T, int P, Stage1Settings settings)
    {
        if (T == 1) return [0];
        int C = embeddings.RowLength;
        var frames = new RowSet[T];
        for (int t = 0; t < T; t++) frames[t] = new RowSet(t * P, P, 1);
        int m = Math.Clamp((int)Math.Floor(T * settings.TemporalSegmentRatio), 1, T);
        using Tensor descriptors = backend.Allocate(DType.F32, T, C);
        using Tensor means = backend.Allocate(DType.F32, m, C);
        using Tensor packed = backend.Allocate(DType.I32, m + T);
        backend.Reduction.RowMeans(embeddings, frames, descriptors);
        backend.Reduction.DpcKnnMerge(descriptors, [new ClusterGroup(T, m, Math.Min(settings.K, T), Cluster: true)], means, packed);
        int[] assignment = new int[m + T];
        backend.CopyToHost(packed, assignment);
        return assignment[m..];
    }

    // The static test of every (segment, position), segment after segment.
    private static int[] StaticMasks(ComputeBackend backend, Tensor embeddings, List<(int Start, int Length)> runs, int P, double tau)
    {
        var sets = new RowSet[runs.Count * P];
        for (int s = 0; s < runs.Count; s++)
            for (int p = 0; p < P; p++)
                sets[s * P + p] = new RowSet(runs[s].Start * P + p, runs[s].Length, P);
        using Tensor mask = backend.Allocate(DType.I32, runs.Count * P);
        backend.Reduction.StaticMask(embeddings, sets, tau, mask);
        int[] host = new int[runs.Count * P];
        backend.CopyToHost(mask, host);
        return host;
    }
}
