// PruneVid.NET — clustering kernels.
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Kernels.Dsl;

namespace PruneVid.Kernels.Clustering;

/// <summary>
/// Means of strided row sets: output row o is the f64 mean of the <c>count</c> rows <c>first + t·stride</c> of x
/// (t in [0, count)), cast to f32. One table row (first, count, stride) per output row. Stage 1 uses it for frame
/// means (stride 1), temporal means of static positions (stride = tokens per frame) and plain gathers (count 1).
/// </summary>
public static partial class RowMeans
{
    /// <summary>Table columns per output row.</summary>
    public const int Columns = 3;

    /// <summary>Plain reference: <paramref name="x"/> [rows, c], <paramref name="table"/> [outputs, 3], <paramref name="y"/> [outputs, c].</summary>
    public static void Reference(ReadOnlySpan<float> x, int c, ReadOnlySpan<int> table, Span<float> y)
    {
        int outputs = table.Length / Columns;
        double[] sum = new double[c];
        for (int o = 0; o < outputs; o++)
        {
            int first = table[o * Columns], count = table[o * Columns + 1], stride = table[o * Columns + 2];
            Array.Clear(sum);
            for (int t = 0; t < count; t++)
            {
                ReadOnlySpan<float> row = x.Slice((first + t * stride) * c, c);
                for (int ch = 0; ch < c; ch++) sum[ch] += row[ch];
            }
            for (int ch = 0; ch < c; ch++) y[o * c + ch] = (float)(sum[ch] / count);
        }
    }

    /// <summary>One thread per output element (row, channel): the f64 sum in row order, as the reference.</summary>
    [Kernel(Reference = nameof(Reference))]
    internal static void Kernel(
        Index1D index,
        ArrayView1D<float, Stride1D.Dense> x,
        ArrayView1D<int, Stride1D.Dense> table,
        ArrayView1D<float, Stride1D.Dense> y,
        int c)
    {
        int o = index / c, ch = index % c;
        int first = table[o * Columns], count = table[o * Columns + 1], stride = table[o * Columns + 2];
        double sum = 0;
        for (int t = 0; t < count; t++) sum += x[(long)(first + t * stride) * c + ch];
        y[index] = (float)(sum / count);
    }
}
