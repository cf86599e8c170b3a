// PruneVid.NET — clustering kernels.
using ILGPU;
using ILGPU.Runtime;

namespace PruneVid.Kernels.Clustering;

/// <summary>
/// DPC-KNN on an ILGPU accelerator: distances, densities, scores, assignment and cluster means run as kernels; the
/// host only picks the top-m centres from the n scores (a few hundred floats) and uploads their indices.
/// </summary>
public sealed class IlgpuClustering(KernelRuntime runtime) : IClusteringPrimitives
{
    private readonly KernelRuntime _runtime = runtime ?? throw new ArgumentNullException(nameof(runtime));

    /// <inheritdoc />
    public string Name => "ilgpu-" + (_runtime.IsCuda ? "cuda" : "cpu");

    /// <inheritdoc />
    public DpcKnnMerge ClusterAndMerge(ReadOnlySpan<float> points, int n, int c, int clusters, int k)
    {
        ClusteringChecks.Matrix(points, n, c, nameof(points));
        if (clusters < 0) throw new ArgumentOutOfRangeException(nameof(clusters), $"cluster count must not be negative, got {clusters}");
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), $"neighbour count k must be at least 1, got {k}");
        if (n == 0) return new DpcKnnMerge(new DpcKnnResult([], []), []);
        k = Math.Min(k, n);
        if (k > KnnDensity.MaxDeviceK) throw new ArgumentOutOfRangeException(nameof(k), $"the device density supports k <= {KnnDensity.MaxDeviceK}, got {k}");
        int m = Math.Clamp(clusters, 1, n);
        if ((long)n * n > int.MaxValue) throw new ArgumentException($"{n} points are too many for one distance matrix", nameof(n));

        Accelerator accelerator = _runtime.Accelerator;
        AcceleratorStream stream = _runtime.Stream;
        using var x = accelerator.Allocate1D<float>((long)n * c);
        using var distances = accelerator.Allocate1D<float>((long)n * n);
        using var density = accelerator.Allocate1D<float>(n);
        using var rowMax = accelerator.Allocate1D<float>(n);
        using var score = accelerator.Allocate1D<float>(n);
        x.View.CopyFromCPU(stream, points[..(n * c)]);

        PairwiseDistance.Launch(_runtime, n * n, x.View, distances.View, n, c, 1f / MathF.Sqrt(c));
        KnnDensity.Launch(_runtime, n, distances.View, density.View, n, k);
        DensityPeakScore.LaunchRowMax(_runtime, n, distances.View, rowMax.View, n);
        DensityPeakScore.LaunchScore(_runtime, n, distances.View, density.View, rowMax.View, score.View, n);
        float[] hostScore = new float[n];
        score.View.CopyToCPU(stream, hostScore);
        int[] centers = DensityPeakScore.TopCenters(hostScore, n, m);

        using var centerBuffer = accelerator.Allocate1D<int>(m);
        using var labels = accelerator.Allocate1D<int>(n);
        using var means = accelerator.Allocate1D<float>((long)m * c);
        centerBuffer.View.CopyFromCPU(stream, centers);
        NearestCenter.Launch(_runtime, n, distances.View, centerBuffer.View, labels.View, n, m);
        ClusterMean.Launch(_runtime, m * c, x.View, labels.View, means.View, n, c);

        int[] hostLabels = new int[n];
        float[] hostMeans = new float[m * c];
        labels.View.CopyToCPU(stream, hostLabels);
        means.View.CopyToCPU(stream, hostMeans);
        _runtime.Synchronize();
        return new DpcKnnMerge(new DpcKnnResult(centers, hostLabels), hostMeans);
    }
}
