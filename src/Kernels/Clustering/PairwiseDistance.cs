// PruneVid.NET — clustering kernels.
using System.Numerics.Tensors;

namespace PruneVid.Kernels.Clustering;

/// <summary>
/// Scaled Euclidean distance matrix of DPC-KNN: <c>D[i, j] = ‖x_i − x_j‖₂ / √C</c> (PruneVid's
/// <c>cdist(x, x) / C ** 0.5</c>). The √C scale sets the density bandwidth, so it is part of the op.
/// </summary>
public static partial class PairwiseDistance
{
    // Below this many multiply-adds the rows are done one after another; Parallel.For only pays off for real work.
    private const long ParallelThreshold = 1 << 20;

    /// <summary>
    /// Plain reference: fills the symmetric <paramref name="distances"/> [n, n] from <paramref name="points"/> [n, c].
    /// Each pair is computed once (row i fills j &gt; i) and mirrored, so the matrix is exactly symmetric with a zero
    /// diagonal. Rows run in parallel for large inputs (this is also the Cpu backend's implementation).
    /// </summary>
    public static void Reference(ReadOnlySpan<float> points, int n, int c, Span<float> distances)
    {
        ClusteringChecks.Matrix(points, n, c, nameof(points));
        ClusteringChecks.Matrix(distances, n, n, nameof(distances));
        float scale = 1f / MathF.Sqrt(c);
        if ((long)n * n * c / 2 < ParallelThreshold)
        {
            for (int i = 0; i < n; i++) FillRow(points, n, c, scale, i, distances);
            return;
        }
        unsafe
        {
            fixed (float* px = points, pd = distances)
            {
                nint xs = (nint)px, ds = (nint)pd;
                long pointCount = (long)n * c, distanceCount = (long)n * n;
                Parallel.For(0, n, i => FillRow(new ReadOnlySpan<float>((float*)xs, (int)pointCount), n, c, scale, i,
                    new Span<float>((float*)ds, (int)distanceCount)));
            }
        }
    }

    // Row i writes D[i, j] and D[j, i] for j > i: every entry has exactly one writer.
    private static void FillRow(ReadOnlySpan<float> points, int n, int c, float scale, int i, Span<float> distances)
    {
        ReadOnlySpan<float> xi = points.Slice(i * c, c);
        distances[i * n + i] = 0f;
        for (int j = i + 1; j < n; j++)
        {
            float d = c == 0 ? 0f : TensorPrimitives.Distance(xi, points.Slice(j * c, c)) * scale;
            distances[i * n + j] = d;
            distances[j * n + i] = d;
        }
    }
}
