// PruneVid.NET — clustering kernels.
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Kernels.Dsl;

namespace PruneVid.Kernels.Clustering;

/// <summary>
/// DPC-KNN and the cluster merge over many independent groups at once (PruneVid Stage 1: the temporal clustering,
/// every segment's static group and every frame's dynamic group). The points of group g are consecutive rows; every
/// group has its own distance matrix, density, score, centres and labels, and the kernels find their group through an
/// offset table, so the launch count does not depend on the number of groups (docs/prunevid.md, "Stage 1 on a backend").
/// <para>
/// Table (I32): <see cref="Columns"/> ints per group — point offset, n, m (clusters), k, cluster flag, centre offset
/// (first output row), distance offset (first entry of its n×n matrix) — then the group of every point, then the group
/// of every output row. A group with the flag 0 is kept as it is: m = n, centre i = point i, label i = i.
/// </para>
/// <para>
/// Assignment (I32, [M + N]): first the centre (local point index) of every output row, in group order and within a
/// group by score rank (torch <c>topk</c>: highest first, ties to the lower index), then the label (local cluster rank)
/// of every point. Output row r of a group is the f64 mean of its points labelled r.
/// </para>
/// </summary>
public static partial class DpcKnnBatch
{
    /// <summary>Ints per group in the table.</summary>
    public const int Columns = 7;

    /// <summary>Column of the group's first point.</summary>
    public const int PointOffset = 0;
    /// <summary>Column of the group's point count n.</summary>
    public const int Count = 1;
    /// <summary>Column of the group's cluster count m.</summary>
    public const int Clusters = 2;
    /// <summary>Column of the group's k.</summary>
    public const int Neighbours = 3;
    /// <summary>Column of the cluster flag (1: DPC-KNN, 0: keep the points).</summary>
    public const int Cluster = 4;
    /// <summary>Column of the group's first output row.</summary>
    public const int CenterOffset = 5;
    /// <summary>Column of the group's first distance entry.</summary>
    public const int DistanceOffset = 6;

    /// <summary>
    /// Plain reference (also the Cpu backend): per group, <see cref="DpcKnn.Cluster"/> and <see cref="ClusterMean.Reference"/>,
    /// or the points themselves for groups with the flag 0. Only the group columns of <paramref name="table"/> are read.
    /// </summary>
    public static void Reference(ReadOnlySpan<float> points, int c, ReadOnlySpan<int> table, int groups, Span<float> means, Span<int> assignment)
    {
        int totalRows = 0;
        for (int g = 0; g < groups; g++) totalRows += table[g * Columns + Clusters];
        for (int g = 0; g < groups; g++)
        {
            int offset = table[g * Columns + PointOffset], n = table[g * Columns + Count], m = table[g * Columns + Clusters];
            int k = table[g * Columns + Neighbours], row = table[g * Columns + CenterOffset];
            ReadOnlySpan<float> x = points.Slice(offset * c, n * c);
            Span<float> y = means.Slice(row * c, m * c);
            Span<int> centers = assignment.Slice(row, m), labels = assignment.Slice(totalRows + offset, n);
            if (table[g * Columns + Cluster] == 0)
            {
                x.CopyTo(y);
                for (int i = 0; i < n; i++) centers[i] = labels[i] = i;
                continue;
            }
            DpcKnnResult result = DpcKnn.Cluster(x, n, c, m, k);
            result.Centers.CopyTo(centers);
            result.Labels.CopyTo(labels);
            ClusterMean.Reference(x, n, c, result.Labels, m, y);
        }
    }

    /// <summary>
    /// One thread per (point, column &lt; largest n): the scaled distance of two points of the same group, both
    /// triangles summed in the same order (lower index first), so each matrix is exactly symmetric with a zero
    /// diagonal like <see cref="PairwiseDistance.Reference"/> (whose SIMD sum may round differently in the last bit).
    /// </summary>
    [Kernel(Reference = nameof(Reference))]
    internal static void DistanceKernel(
        Index1D index,
        ArrayView1D<float, Stride1D.Dense> points,
        ArrayView1D<int, Stride1D.Dense> table,
        ArrayView1D<float, Stride1D.Dense> distances,
        int pointGroups,
        int widest,
        int c,
        float scale)
    {
        int point = index / widest, j = index % widest;
        int g = table[pointGroups + point] * Columns;
        int offset = table[g + PointOffset], n = table[g + Count];
        if (j >= n) return;
        int i = point - offset;
        int a = i < j ? i : j, b = i < j ? j : i;
        float sum = 0f;
        for (int ch = 0; ch < c; ch++)
        {
            float d = points[(long)(offset + a) * c + ch] - points[(long)(offset + b) * c + ch];
            sum += d * d;
        }
        distances[table[g + DistanceOffset] + (long)i * n + j] = a == b ? 0f : MathF.Sqrt(sum) * scale;
    }

    /// <summary>One thread per point: ρ from the k smallest entries of its row (a sorted per-thread list, <see cref="KnnDensity.Reference"/>) and the row's maximum.</summary>
    [Kernel(Reference = nameof(Reference))]
    internal static void DensityKernel(
        Index1D point,
        ArrayView1D<int, Stride1D.Dense> table,
        ArrayView1D<float, Stride1D.Dense> distances,
        ArrayView1D<float, Stride1D.Dense> density,
        ArrayView1D<float, Stride1D.Dense> rowMax,
        int pointGroups)
    {
        int g = table[pointGroups + point] * Columns;
        int n = table[g + Count], k = table[g + Neighbours];
        long row = table[g + DistanceOffset] + (long)((int)point - table[g + PointOffset]) * n;
        var nearest = LocalMemory.Allocate<float>(KnnDensity.MaxDeviceK);
        int count = 0;
        float max = 0f;
        for (int j = 0; j < n; j++)
        {
            float v = distances[row + j];
            max = IntrinsicMath.Max(max, v);
            if (count == k && v >= nearest[k - 1]) continue;
            int at = count < k ? count++ : k - 1;
            while (at > 0 && nearest[at - 1] > v)
            {
                nearest[at] = nearest[at - 1];
                at--;
            }
            nearest[at] = v;
        }
        float sum = 0f;
        for (int j = 0; j < k; j++) sum += nearest[j] * nearest[j];
        density[point] = MathF.Exp(-(sum / k));
        rowMax[point] = max;
    }

    /// <summary>One thread per point: δ (nearest denser point of its group, else the group's largest distance) times ρ.</summary>
    [Kernel(Reference = nameof(Reference))]
    internal static void ScoreKernel(
        Index1D point,
        ArrayView1D<int, Stride1D.Dense> table,
        ArrayView1D<float, Stride1D.Dense> distances,
        ArrayView1D<float, Stride1D.Dense> density,
        ArrayView1D<float, Stride1D.Dense> rowMax,
        ArrayView1D<float, Stride1D.Dense> score,
        int pointGroups)
    {
        int g = table[pointGroups + point] * Columns;
        int offset = table[g + PointOffset], n = table[g + Count];
        int i = point - offset;
        long row = table[g + DistanceOffset] + (long)i * n;
        float max = 0f;
        for (int j = 0; j < n; j++) max = IntrinsicMath.Max(max, rowMax[offset + j]);
        float own = density[point];
        float delta = max;
        for (int j = 0; j < n; j++)
        {
            float other = density[offset + j];
            bool denser = other > own || (other == own && j < i);
            float d = distances[row + j];
            if (denser && d < delta) delta = d;
        }
        score[point] = delta * own;
    }

    /// <summary>
    /// One thread per point: its rank by score within the group (higher first, ties to the lower index, as
    /// <see cref="DensityPeakScore.TopCenters"/>); a point ranked below m is the centre of output row rank.
    /// Kept groups write centre i = i.
    /// </summary>
    [Kernel(Reference = nameof(Reference))]
    internal static void CenterKernel(
        Index1D point,
        ArrayView1D<int, Stride1D.Dense> table,
        ArrayView1D<float, Stride1D.Dense> score,
        ArrayView1D<int, Stride1D.Dense> assignment,
        int pointGroups)
    {
        int g = table[pointGroups + point] * Columns;
        int offset = table[g + PointOffset], n = table[g + Count], m = table[g + Clusters];
        int i = point - offset;
        if (table[g + Cluster] == 0)
        {
            assignment[table[g + CenterOffset] + i] = i;
            return;
        }
        float own = score[point];
        int rank = 0;
        for (int j = 0; j < n; j++)
        {
            float other = score[offset + j];
            if (other > own || (other == own && j < i)) rank++;
        }
        if (rank < m) assignment[table[g + CenterOffset] + rank] = i;
    }

    /// <summary>
    /// One thread per point: the first nearest centre by rank (<see cref="NearestCenter"/>), a centre taking its own
    /// rank; kept groups label i = i. Labels follow the <paramref name="rows"/> centres in the assignment.
    /// </summary>
    [Kernel(Reference = nameof(Reference))]
    internal static void NearestKernel(
        Index1D point,
        ArrayView1D<int, Stride1D.Dense> table,
        ArrayView1D<float, Stride1D.Dense> distances,
        ArrayView1D<int, Stride1D.Dense> assignment,
        int pointGroups,
        int rows)
    {
        int g = table[pointGroups + point] * Columns;
        int offset = table[g + PointOffset], n = table[g + Count], m = table[g + Clusters];
        int j = point - offset;
        if (table[g + Cluster] == 0)
        {
            assignment[rows + point] = j;
            return;
        }
        int centers = table[g + CenterOffset];
        long matrix = table[g + DistanceOffset];
        int best = 0, own = -1;
        float bestDistance = distances[matrix + (long)assignment[centers] * n + j];
        for (int r = 0; r < m; r++)
        {
            int center = assignment[centers + r];
            if (center == j) own = r;
            float d = distances[matrix + (long)center * n + j];
            if (d < bestDistance)
            {
                bestDistance = d;
                best = r;
            }
        }
        assignment[rows + point] = own >= 0 ? own : best;
    }

    /// <summary>One thread per output element (row, channel): the f64 mean of the group's points with that label, in point order.</summary>
    [Kernel(Reference = nameof(Reference))]
    internal static void MeanKernel(
        Index1D index,
        ArrayView1D<float, Stride1D.Dense> points,
        ArrayView1D<int, Stride1D.Dense> table,
        ArrayView1D<int, Stride1D.Dense> assignment,
        ArrayView1D<float, Stride1D.Dense> means,
        int rowGroups,
        int rows,
        int c)
    {
        int r = index / c, ch = index % c;
        int g = table[rowGroups + r] * Columns;
        int offset = table[g + PointOffset], n = table[g + Count];
        int label = r - table[g + CenterOffset];
        double sum = 0;
        int count = 0;
        for (int i = 0; i < n; i++)
        {
            if (assignment[rows + offset + i] != label) continue;
            sum += points[(long)(offset + i) * c + ch];
            count++;
        }
        means[index] = count == 0 ? 0f : (float)(sum / count);
    }
}
