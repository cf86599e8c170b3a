// PruneVid.NET — device layer: validated clustering ops of PruneVid Stage 1.
using PruneVid.Kernels.Clustering;

namespace PruneVid.Compute;

public abstract partial class ComputeBackend
{
    /// <summary>
    /// y[o] = the f64 mean of the rows <c>first + t·stride</c> (t &lt; count) of x, one (first, count, stride) triple
    /// of <paramref name="rows"/> per output row. x and y are F32 [·, C]. Frame means, temporal means and gathers.
    /// </summary>
    public void RowMeans(Tensor x, ReadOnlySpan<int> rows, Tensor y)
    {
        const string op = "RowMeans";
        Require(x, DType.F32, op, nameof(x));
        Require(y, DType.F32, op, nameof(y));
        int outputs = CheckRowSets(x, rows, op);
        if (y.Length != (long)outputs * x.RowLength) throw new ArgumentException($"{op}: y {y} should be [{outputs},{x.RowLength}]", nameof(y));
        if (outputs == 0 || x.RowLength == 0) return;
        using OpTimer timer = Time(op);
        RowMeansCore(x, rows, outputs, y);
    }

    /// <summary>
    /// PruneVid's static test for each (first, count, stride) triple of <paramref name="rows"/>: mask[o] = 1 when the
    /// mean pairwise cosine of those rows of x exceeds <paramref name="tau"/> (strict), else 0 (always 0 for fewer than
    /// two rows). mask is I32 [triples].
    /// </summary>
    public void StaticMask(Tensor x, ReadOnlySpan<int> rows, double tau, Tensor mask)
    {
        const string op = "StaticMask";
        Require(x, DType.F32, op, nameof(x));
        Require(mask, DType.I32, op, nameof(mask));
        int outputs = CheckRowSets(x, rows, op);
        if (mask.Length != outputs) throw new ArgumentException($"{op}: mask {mask} needs one element per row set ({outputs})", nameof(mask));
        if (double.IsNaN(tau)) throw new ArgumentException($"{op}: tau must be a number", nameof(tau));
        if (outputs == 0) return;
        using OpTimer timer = Time(op);
        StaticMaskCore(x, rows, outputs, tau, mask);
    }

    /// <summary>
    /// DPC-KNN and the cluster merge of many groups in one call. <paramref name="points"/> F32 [N, C] holds the groups'
    /// points one group after another; <paramref name="groups"/> holds (n, m, k, cluster) per group: n points, m output
    /// rows, k neighbours, and cluster = 1 for DPC-KNN (1 ≤ m ≤ n, 1 ≤ k ≤ min(n, 16)) or 0 to keep the points as they
    /// are (m = n). <paramref name="means"/> F32 [Σm, C] receives the cluster means group after group;
    /// <paramref name="assignment"/> I32 [Σm + N] the centre (local index) of every output row, then the label of every
    /// point (docs/prunevid.md, "Stage 1 on a backend").
    /// </summary>
    public void DpcKnnMerge(Tensor points, ReadOnlySpan<int> groups, Tensor means, Tensor assignment)
    {
        const string op = "DpcKnnMerge";
        Require(points, DType.F32, op, nameof(points));
        Require(means, DType.F32, op, nameof(means));
        Require(assignment, DType.I32, op, nameof(assignment));
        if (groups.Length % 4 != 0) throw new ArgumentException($"{op}: groups must hold (n, m, k, cluster) per group, got {groups.Length} ints", nameof(groups));
        int count = groups.Length / 4;
        int c = points.RowLength;
        var table = new int[count * DpcKnnBatch.Columns];
        long n = 0, rows = 0, distances = 0;
        int widest = 0;
        for (int g = 0; g < count; g++)
        {
            int size = groups[g * 4], m = groups[g * 4 + 1], k = groups[g * 4 + 2], cluster = groups[g * 4 + 3];
            if (size < 1) throw new ArgumentException($"{op}: group {g} has {size} points, at least 1 is needed", nameof(groups));
            if (cluster is not (0 or 1)) throw new ArgumentException($"{op}: the cluster flag of group {g} must be 0 or 1, got {cluster}", nameof(groups));
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
        using OpTimer timer = Time(op);
        DpcKnnMergeCore(points, new DpcKnnGroups(table, count, (int)n, (int)rows, (int)distances, widest), means, assignment);
    }

    /// <summary>RowMeans of <paramref name="outputs"/> valid row sets (non-empty).</summary>
    private protected abstract void RowMeansCore(Tensor x, ReadOnlySpan<int> rows, int outputs, Tensor y);

    /// <summary>StaticMask of <paramref name="outputs"/> valid row sets (non-empty).</summary>
    private protected abstract void StaticMaskCore(Tensor x, ReadOnlySpan<int> rows, int outputs, double tau, Tensor mask);

    /// <summary>DpcKnnMerge of valid, non-empty groups with their offsets.</summary>
    private protected abstract void DpcKnnMergeCore(Tensor points, DpcKnnGroups groups, Tensor means, Tensor assignment);

    private const int RowSetColumns = 3; // (first, count, stride)

    private static int CheckRowSets(Tensor x, ReadOnlySpan<int> rows, string op)
    {
        if (rows.Length % RowSetColumns != 0)
            throw new ArgumentException($"{op}: rows must hold (first, count, stride) triples, got {rows.Length} ints", nameof(rows));
        int outputs = rows.Length / RowSetColumns;
        for (int o = 0; o < outputs; o++)
        {
            long first = rows[o * 3], count = rows[o * 3 + 1], stride = rows[o * 3 + 2];
            if (count < 1 || first < 0 || stride < 0 || first + (count - 1) * stride >= x.Rows)
                throw new ArgumentException($"{op}: row set {o} (first {first}, count {count}, stride {stride}) is empty or leaves the {x.Rows} rows of x", nameof(rows));
        }
        return outputs;
    }
}

/// <summary>Validated groups of <see cref="ComputeBackend.DpcKnnMerge"/>: the group columns of the table (<see cref="DpcKnnBatch"/>) and the totals.</summary>
/// <param name="Table">[Count, DpcKnnBatch.Columns] offsets, sizes and flags.</param>
/// <param name="Count">Groups.</param>
/// <param name="Points">Σn.</param>
/// <param name="Rows">Σm, the output rows.</param>
/// <param name="Distances">Σn², the entries of all distance matrices.</param>
/// <param name="Widest">The largest n.</param>
public sealed record DpcKnnGroups(int[] Table, int Count, int Points, int Rows, int Distances, int Widest)
{
    /// <summary>
    /// The device table: the group columns, then the group of every point, then the group of every output row
    /// (offsets <see cref="Count"/>·Columns and that plus <see cref="Points"/>).
    /// </summary>
    public int[] DeviceTable()
    {
        int head = Count * DpcKnnBatch.Columns;
        var table = new int[head + Points + Rows];
        Table.CopyTo(table, 0);
        for (int g = 0; g < Count; g++)
        {
            int at = g * DpcKnnBatch.Columns;
            table.AsSpan(head + Table[at + DpcKnnBatch.PointOffset], Table[at + DpcKnnBatch.Count]).Fill(g);
            table.AsSpan(head + Points + Table[at + DpcKnnBatch.CenterOffset], Table[at + DpcKnnBatch.Clusters]).Fill(g);
        }
        return table;
    }
}
