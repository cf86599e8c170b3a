// PruneVid.NET — clustering kernels.
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Kernels.Dsl;

namespace PruneVid.Kernels.Clustering;

/// <summary>
/// PruneVid's static test per token position of a segment: with u the L2-normalised rows (F.normalize, eps 1e-12) of
/// a strided row set (first, count, stride), s = (‖Σ_t u_t‖² − W) / (W(W − 1)) — the mean pairwise cosine — and the
/// position is static when s &gt; tau (strict). Sets of fewer than two rows are dynamic (docs/prunevid.md, Stage 1).
/// Everything is accumulated in f64 in the same order on every backend, so the strict comparison agrees.
/// </summary>
public static partial class StaticMask
{
    /// <summary>Plain reference: <paramref name="table"/> as in <see cref="RowMeans"/>; mask[o] is 1 (static) or 0.</summary>
    public static void Reference(ReadOnlySpan<float> x, int c, ReadOnlySpan<int> table, double tau, Span<int> mask)
    {
        int outputs = table.Length / RowMeans.Columns;
        double[] sum = new double[c];
        for (int o = 0; o < outputs; o++)
        {
            int first = table[o * 3], count = table[o * 3 + 1], stride = table[o * 3 + 2];
            mask[o] = 0;
            if (count < 2) continue;
            Array.Clear(sum);
            for (int t = 0; t < count; t++)
            {
                ReadOnlySpan<float> row = x.Slice((first + t * stride) * c, c);
                double inv = InverseNorm(row);
                for (int ch = 0; ch < c; ch++) sum[ch] += row[ch] * inv;
            }
            double pairs = 0;
            for (int ch = 0; ch < c; ch++) pairs += sum[ch] * sum[ch];
            mask[o] = (pairs - count) / (count * (count - 1.0)) > tau ? 1 : 0;
        }
    }

    /// <summary>1 / max(‖row‖₂, 1e-12) in f64 (F.normalize's eps).</summary>
    public static double InverseNorm(ReadOnlySpan<float> row)
    {
        double norm = 0;
        foreach (float v in row) norm += (double)v * v;
        return 1.0 / Math.Max(Math.Sqrt(norm), 1e-12);
    }

    /// <summary>Reference of the first pass: the f64 inverse norm of every row of x.</summary>
    public static void InverseNormsReference(ReadOnlySpan<float> x, int c, Span<double> inverse)
    {
        for (int r = 0; r < inverse.Length; r++) inverse[r] = InverseNorm(x.Slice(r * c, c));
    }

    /// <summary>One thread per row of x: its f64 inverse norm.</summary>
    [Kernel(Reference = nameof(InverseNormsReference))]
    internal static void InverseNormsKernel(
        Index1D r,
        ArrayView1D<float, Stride1D.Dense> x,
        ArrayView1D<double, Stride1D.Dense> inverse,
        int c)
    {
        double norm = 0;
        for (int ch = 0; ch < c; ch++)
        {
            double v = x[(long)(int)r * c + ch];
            norm += v * v;
        }
        inverse[r] = 1.0 / IntrinsicMath.Max(Math.Sqrt(norm), 1e-12);
    }

    /// <summary>One thread per table row: channel by channel, the sum over the rows of u, squared and accumulated.</summary>
    [Kernel(Reference = nameof(Reference))]
    internal static void Kernel(
        Index1D o,
        ArrayView1D<float, Stride1D.Dense> x,
        ArrayView1D<double, Stride1D.Dense> inverse,
        ArrayView1D<int, Stride1D.Dense> table,
        ArrayView1D<int, Stride1D.Dense> mask,
        int c,
        double tau)
    {
        int first = table[o * 3], count = table[o * 3 + 1], stride = table[o * 3 + 2];
        if (count < 2)
        {
            mask[o] = 0;
            return;
        }
        double pairs = 0;
        for (int ch = 0; ch < c; ch++)
        {
            double sum = 0;
            for (int t = 0; t < count; t++)
            {
                int row = first + t * stride;
                sum += x[(long)row * c + ch] * inverse[row];
            }
            pairs += sum * sum;
        }
        mask[o] = (pairs - count) / (count * (count - 1.0)) > tau ? 1 : 0;
    }
}
