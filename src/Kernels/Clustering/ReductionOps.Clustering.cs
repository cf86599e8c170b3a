// PruneVid.NET — Clustering: the validated entries of PruneVid Stage 1's ops (row means, static test, DPC-KNN merge).
using System.Runtime.InteropServices;
using PruneVid.Kernels.Clustering;

namespace PruneVid.Compute;

public sealed partial class ReductionOps
{
    /// <summary>
    /// y[o] = the f64 mean of the rows of <paramref name="rows"/>[o] of x. x and y are F32 [·, C]. Frame means,
    /// temporal means and gathers.
    /// </summary>
    public void RowMeans(Tensor x, ReadOnlySpan<RowSet> rows, Tensor y)
    {
        const string op = "RowMeans";
        _backend.Require(x, DType.F32, op, nameof(x));
        _backend.Require(y, DType.F32, op, nameof(y));
        int outputs = CheckRowSets(x, rows, op);
        if (y.Length != (long)outputs * x.RowLength) throw new ArgumentException($"{op}: y {y} should be [{outputs},{x.RowLength}]", nameof(y));
        if (outputs == 0 || x.RowLength == 0) return;
        using ComputeBackend.OpTimer timer = _backend.Time(op);
        _backend.RowMeansCore(x, MemoryMarshal.Cast<RowSet, int>(rows), outputs, y);
    }

    /// <summary>
    /// PruneVid's static test of each row set: mask[o] = 1 when the mean pairwise cosine of the rows of
    /// <paramref name="rows"/>[o] of x exceeds <paramref name="tau"/> (strict), else 0 (always 0 for fewer than two
    /// rows). mask is I32 [row sets].
    /// </summary>
    public void StaticMask(Tensor x, ReadOnlySpan<RowSet> rows, double tau, Tensor mask)
    {
        const string op = "StaticMask";
        _backend.Require(x, DType.F32, op, nameof(x));
        _backend.Require(mask, DType.I32, op, nameof(mask));
        int outputs = CheckRowSets(x, rows, op);
        if (mask.Length != outputs) throw new ArgumentException($"{op}: mask {mask} needs one element per row set ({outputs})", nameof(mask));
        if (double.IsNaN(tau)) throw new ArgumentException($"{op}: tau must be a number", nameof(tau));
        if (outputs == 0) return;
        using ComputeBackend.OpTimer timer = _backend.Time(op);
        _backend.StaticMaskCore(x, MemoryMarshal.Cast<RowSet, int>(rows), outputs, tau, mask);
    }

    /// <summary>
    /// DPC-KNN and the cluster merge of many groups in one call. <paramref name="points"/> F32 [N, C] holds the groups'
    /// points one group after another (<see cref="ClusterGroup"/>). <paramref name="means"/> F32 [ΣClusters, C]
    /// receives the cluster means group after group; <paramref name="assignment"/> I32 [ΣClusters + N] the centre
    /// (local index) of every output row, then the label of every point (docs/prunevid.md, "Stage 1 on a backend").
    /// </summary>
    public void DpcKnnMerge(Tensor points, ReadOnlySpan<ClusterGroup> groups, Tensor means, Tensor assignment)
    {
        const string op = "DpcKnnMerge";
        _backend.Require(points, DType.F32, op, nameof(points));
        _backend.Require(means, DType.F32, op, nameof(means));
        _backend.Require(assignment, DType.I32, op, nameof(assignment));
        int count = groups.Length;
        int c = points.RowLength;
        var table = new int[count * DpcKnnBatch.Columns];
        long n = 0, rows = 0, distances = 0;
        int widest = 0;
        for (int g = 0; g < count; g++)
        {
            ClusterGroup group = groups[g];
            int size = group.Points, m = group.Clusters, k = group.Neighbours, cluster = group.Cluster ? 1 : 0;
            if (size < 1) throw new ArgumentException($"{op}: group {g} has {size} points, at least 1 is needed", nameof(groups));
            if (cluster == 0 && m != size) throw new ArgumentException($"{op}: kept group {g} must have m = n = {size}, got m = {m}", nameof(groups));
            if (m < 1 || m > size) throw new ArgumentException($"{op}: group {g} asks for {m} clusters of {size} points", nameof(groups));
            if (cluster == 1 && (k < 1 || k > Math.Min(size, KnnDensity.MaxDeviceK)))
                throw new ArgumentException($"{op}: k of group {g} must be in [1, {Math.Min(size, KnnDensity.MaxDeviceK)}], got {k}", nameof(groups));
            int at = g * DpcKnnBatch.Columns;
            table[at + DpcKnnBatch.PointOffset] = (int)n;
            table[at + DpcKnnBatch.Count] = size;
            table[at + DpcKnnBatch.Clusters] = m;
            table[at + DpcKnnBatch.Neighbours] = k;
            table[at + DpcKnnBatch.Cluster] = cluster;
            table[at + DpcKnnBatch.CenterOffset] = (int)rows;
            table[at + DpcKnnBatch.DistanceOffset] = (int)distances;
            n += size;
            rows += m;
            distances += (long)size * size;
            widest = Math.Max(widest, size);
            if (n + rows > int.MaxValue || distances > int.MaxValue || n * widest > int.MaxValue)
                throw new ArgumentException($"{op}: the groups are too large for one call", nameof(groups));
        }
        if (points.Rows != n) throw new ArgumentException($"{op}: the groups hold {n} points, {points} has {points.Rows} rows", nameof(points));
        if (means.Length != rows * c) throw new ArgumentException($"{op}: means {means} should be [{rows},{c}]", nameof(means));
        if (assignment.Length != rows + n) throw new ArgumentException($"{op}: assignment {assignment} needs {rows + n} elements", nameof(assignment));
        if (count == 0) return;
        using ComputeBackend.OpTimer timer = _backend.Time(op);
        _backend.DpcKnnMergeCore(points, new DpcKnnGroups(table, count, (int)n, (int)rows, (int)distances, widest), means, assignment);
    }

    private static int CheckRowSets(Tensor x, ReadOnlySpan<RowSet> rows, string op)
    {
        for (int o = 0; o < rows.Length; o++)
        {
            long first = rows[o].First, count = rows[o].Count, stride = rows[o].Stride;
            if (count < 1 || first < 0 || stride < 0 || first + (count - 1) * stride >= x.Rows)
                throw new ArgumentException($"{op}: row set {o} (first {first}, count {count}, stride {stride}) is empty or leaves the {x.Rows} rows of x", nameof(rows));
        }
        return rows.Length;
    }
}
