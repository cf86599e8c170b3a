// PruneVid.NET — clustering kernels.
using System.Numerics.Tensors;

using ILGPU;
using ILGPU.Runtime;
using PruneVid.Kernels.Dsl;

namespace PruneVid.Kernels.Clustering;

/// <summary>
/// Scaled Euclidean distance matrix of DPC-KNN: <c>D[i, j] = ‖x_i − x_j‖₂ / √C</c> (PruneVid's
/// <c>cdist(x, x) / C ** 0.5</c>). The √C scale sets the density bandwidth, so it is part of the op.
/// </summary>
public static partial class PairwiseDistance
{
    /// <summary>
    /// Plain reference: fills the symmetric <paramref name="distances"/> [n, n] from <paramref name="points"/> [n, c].
    /// Each pair is computed once and mirrored, so the matrix is exactly symmetric with a zero diagonal.
    /// </summary>
    public static void Reference(ReadOnlySpan<float> points, int n, int c, Span<float> distances)
    {
        ClusteringChecks.Matrix(points, n, c, nameof(points));
        ClusteringChecks.Matrix(distances, n, n, nameof(distances));
        float scale = 1f / MathF.Sqrt(c);
        for (int i = 0; i < n; i++)
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

    /// <summary>
    /// One thread per matrix entry (i, j) of the [n, n] output. Both triangles sum the same pair in the same order
    /// (lower index first), so the device matrix is exactly symmetric with a zero diagonal, like the reference.
    /// </summary>
    [Kernel(Reference = nameof(Reference))]
    internal static void Kernel(
        Index1D index,
        ArrayView1D<float, Stride1D.Dense> points,
        ArrayView1D<float, Stride1D.Dense> distances,
        int n,
        int c,
        float scale)
    {
        int i = index / n, j = index % n;
        int a = i < j ? i : j, b = i < j ? j : i;
        float sum = 0f;
        for (int ch = 0; ch < c; ch++)
        {
            float d = points[(long)a * c + ch] - points[(long)b * c + ch];
            sum += d * d;
        }
        distances[index] = a == b ? 0f : MathF.Sqrt(sum) * scale;
    }
}
