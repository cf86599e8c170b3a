// PruneVid.NET — clustering kernels.
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Kernels.Dsl;

namespace PruneVid.Kernels.Clustering;

/// <summary>
/// Centre score of DPC-KNN: <c>γ_i = ρ_i · δ_i</c>, where δ_i is the distance to the nearest point of higher density
/// and, for the density peak, the global maximum of the distance matrix (not the row maximum, as in the official code).
/// "Higher density" is the strict order (ρ desc, index asc): a deterministic stand-in for the official random jitter.
/// </summary>
public static partial class DensityPeakScore
{
    /// <summary>True when point <paramref name="j"/> ranks above point <paramref name="i"/> by density.</summary>
    public static bool Denser(float densityJ, int j, float densityI, int i) => densityJ > densityI || (densityJ == densityI && j < i);

    /// <summary>Plain reference over a [n, n] distance matrix and n densities.</summary>
    public static void Reference(ReadOnlySpan<float> distances, ReadOnlySpan<float> density, int n, Span<float> score)
    {
        ClusteringChecks.Matrix(distances, n, n, nameof(distances));
        if (density.Length < n || score.Length < n) throw new ArgumentException($"density and score must hold {n} values");
        float max = 0f;
        for (int i = 0; i < n * n; i++) max = MathF.Max(max, distances[i]);
        for (int i = 0; i < n; i++)
        {
            float delta = max;
            for (int j = 0; j < n; j++)
                if (Denser(density[j], j, density[i], i) && distances[i * n + j] < delta) delta = distances[i * n + j];
            score[i] = delta * density[i];
        }
    }

    /// <summary>
    /// The <paramref name="m"/> highest scores, highest first (torch <c>topk</c> order), ties to the lower index.
    /// </summary>
    public static int[] TopCenters(ReadOnlySpan<float> score, int n, int m)
    {
        if (m < 0 || m > n) throw new ArgumentOutOfRangeException(nameof(m), $"cannot pick {m} centres among {n} points");
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        float[] s = score[..n].ToArray();
        Array.Sort(order, (a, b) => s[a] != s[b] ? s[b].CompareTo(s[a]) : a.CompareTo(b));
        return order[..m];
    }

    /// <summary>Largest entry of every row (first pass of the global maximum).</summary>
    public static void RowMaxReference(ReadOnlySpan<float> distances, int n, Span<float> rowMax)
    {
        ClusteringChecks.Matrix(distances, n, n, nameof(distances));
        for (int i = 0; i < n; i++)
        {
            float max = 0f;
            for (int j = 0; j < n; j++) max = MathF.Max(max, distances[i * n + j]);
            rowMax[i] = max;
        }
    }

    /// <summary>One thread per row: its largest distance.</summary>
    [Kernel(Reference = nameof(RowMaxReference))]
    internal static void RowMaxKernel(
        Index1D i,
        ArrayView1D<float, Stride1D.Dense> distances,
        ArrayView1D<float, Stride1D.Dense> rowMax,
        int n)
    {
        float max = 0f;
        for (int j = 0; j < n; j++) max = IntrinsicMath.Max(max, distances[(long)(int)i * n + j]);
        rowMax[i] = max;
    }

    /// <summary>Score from distances, densities and the row maxima: the same order and tie-break as <see cref="Reference"/>.</summary>
    public static void ScoreReference(ReadOnlySpan<float> distances, ReadOnlySpan<float> density, ReadOnlySpan<float> rowMax, int n, Span<float> score)
    {
        float max = 0f;
        for (int i = 0; i < n; i++) max = MathF.Max(max, rowMax[i]);
        for (int i = 0; i < n; i++)
        {
            float delta = max;
            for (int j = 0; j < n; j++)
                if (Denser(density[j], j, density[i], i) && distances[i * n + j] < delta) delta = distances[i * n + j];
            score[i] = delta * density[i];
        }
    }

    /// <summary>One thread per point: δ (distance to the nearest denser point, or the global maximum) times ρ.</summary>
    [Kernel(Reference = nameof(ScoreReference))]
    internal static void ScoreKernel(
        Index1D i,
        ArrayView1D<float, Stride1D.Dense> distances,
        ArrayView1D<float, Stride1D.Dense> density,
        ArrayView1D<float, Stride1D.Dense> rowMax,
        ArrayView1D<float, Stride1D.Dense> score,
        int n)
    {
        float max = 0f;
        for (int j = 0; j < n; j++) max = IntrinsicMath.Max(max, rowMax[j]);
        float own = density[i];
        float delta = max;
        for (int j = 0; j < n; j++)
        {
            float other = density[j];
            bool denser = other > own || (other == own && j < i);
            float d = distances[(long)(int)i * n + j];
            if (denser && d < delta) delta = d;
        }
        score[i] = delta * own;
    }
}
