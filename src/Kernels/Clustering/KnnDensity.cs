// PruneVid.NET — clustering kernels.
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Kernels.Dsl;

namespace PruneVid.Kernels.Clustering;

/// <summary>
/// Local density of DPC-KNN: <c>ρ_i = exp(−mean of the k smallest D[i, ·]²)</c>. The k smallest entries include the
/// self-distance 0, exactly like the official <c>topk(largest=False)</c>, so only k − 1 are real neighbours. The
/// official 1e-6 random jitter is left out: ties are broken by index where densities are compared.
/// </summary>
public static partial class KnnDensity
{
    /// <summary>Plain reference over a [n, n] distance matrix; <paramref name="k"/> is clamped to [1, n].</summary>
    public static void Reference(ReadOnlySpan<float> distances, int n, int k, Span<float> density)
    {
        ClusteringChecks.Matrix(distances, n, n, nameof(distances));
        if (density.Length < n) throw new ArgumentException($"density holds {density.Length} values, expected {n}", nameof(density));
        if (n == 0) return;
        k = Math.Clamp(k, 1, n);
        float[] row = new float[n];
        for (int i = 0; i < n; i++)
        {
            distances.Slice(i * n, n).CopyTo(row);
            Array.Sort(row);
            float sum = 0f;
            for (int j = 0; j < k; j++) sum += row[j] * row[j];
            density[i] = MathF.Exp(-(sum / k));
        }
    }

    /// <summary>Largest k the device kernel supports (its per-thread list of nearest distances is this long).</summary>
    public const int MaxDeviceK = 16;

    /// <summary>
    /// One thread per point: keeps the k smallest entries of its row in a sorted per-thread list (insertion), then
    /// ρ = exp(−Σ d² / k). k must already be clamped to [1, min(n, <see cref="MaxDeviceK"/>)].
    /// </summary>
    [Kernel(Reference = nameof(Reference))]
    internal static void Kernel(
        Index1D i,
        ArrayView1D<float, Stride1D.Dense> distances,
        ArrayView1D<float, Stride1D.Dense> density,
        int n,
        int k)
    {
        var nearest = LocalMemory.Allocate<float>(MaxDeviceK);
        int count = 0;
        for (int j = 0; j < n; j++)
        {
            float v = distances[(long)(int)i * n + j];
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
        density[i] = MathF.Exp(-(sum / k));
    }
}
