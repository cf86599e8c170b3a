// PruneVid.NET — Clustering: the backend cores of PruneVid Stage 1's ops (validated in ReductionOps.Clustering.cs).
using PruneVid.Kernels.Clustering;

namespace PruneVid.Compute;

public abstract partial class ComputeBackend
{
    /// <summary>RowMeans of <paramref name="outputs"/> valid row sets (non-empty).</summary>
    internal abstract void RowMeansCore(Tensor x, ReadOnlySpan<int> rows, int outputs, Tensor y);

    /// <summary>StaticMask of <paramref name="outputs"/> valid row sets (non-empty).</summary>
    internal abstract void StaticMaskCore(Tensor x, ReadOnlySpan<int> rows, int outputs, double tau, Tensor mask);

    /// <summary>DpcKnnMerge of valid, non-empty groups with their offsets.</summary>
    internal abstract void DpcKnnMergeCore(Tensor points, DpcKnnGroups groups, Tensor means, Tensor assignment);
}

/// <summary>Validated groups of <see cref="ReductionOps.DpcKnnMerge"/>: the group columns of the table (<see cref="DpcKnnBatch"/>) and the totals.</summary>
/// <param name="Table">[Count, DpcKnnBatch.Columns] offsets, sizes and flags.</param>
/// <param name="Count">Groups.</param>
/// <param name="Points">Σn.</param>
/// <param name="Rows">Σm, the output rows.</param>
/// <param name="Distances">Σn², the entries of all distance matrices.</param>
/// <param name="Widest">The largest n.</param>
internal sealed record DpcKnnGroups(int[] Table, int Count, int Points, int Rows, int Distances, int Widest)
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
