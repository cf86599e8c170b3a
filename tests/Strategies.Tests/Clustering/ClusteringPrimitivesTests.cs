// PruneVid.NET — clustering tests.
using System.Globalization;
using PruneVid.Kernels;
using PruneVid.Kernels.Clustering;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Strategies.Stage1;
using Xunit;

namespace PruneVid.Strategies.Tests.Clustering;

/// <summary>
/// The DPC-KNN primitives written once and run on every implementation (STYLE §3): the host references and the
/// ILGPU kernels on the CPU accelerator. Expected values come from the official fixtures and from the references.
/// </summary>
public abstract class ClusteringPrimitivesTests
{
    private const float MeanTolerance = 1e-5f;

    protected abstract IClusteringPrimitives Clustering { get; }

    private static string Official(string file) => FixturePaths.Get("prunevid-official", file);

    [Fact]
    public void OfficialDpcKnnLabelsAreReproduced()
    {
        using var st = SafeTensorsFile.Open(Official("prunevid-dpcknn-60x12-m9-k5.safetensors"));
        DpcKnnMerge merge = Clustering.ClusterAndMerge(st.ReadF32("points"), 60, 12, clusters: 9, k: 5);
        Assert.Equal(st.ReadI64("labels").Select(v => (int)v), merge.Clusters.Labels);
    }

    [Theory]
    [InlineData(40, 16, 10, 7, 1)]
    [InlineData(64, 32, 32, 7, 2)]
    [InlineData(17, 5, 8, 3, 3)]
    [InlineData(5, 4, 9, 9, 4)] // more clusters and neighbours than points: both clamp to 5
    public void MatchesTheReferences(int n, int c, int clusters, int k, int seed)
    {
        var rng = new Random(seed);
        float[] points = Enumerable.Range(0, n * c).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        DpcKnnResult expected = DpcKnn.Cluster(points, n, c, clusters, k);
        float[] expectedMeans = new float[expected.Centers.Length * c];
        ClusterMean.Reference(points, n, c, expected.Labels, expected.Centers.Length, expectedMeans);

        DpcKnnMerge actual = Clustering.ClusterAndMerge(points, n, c, clusters, k);

        Assert.Equal(expected.Centers, actual.Clusters.Centers);
        Assert.Equal(expected.Labels, actual.Clusters.Labels);
        Assert.Equal(expectedMeans.Length, actual.Means.Length);
        for (int i = 0; i < expectedMeans.Length; i++) Assert.True(MathF.Abs(expectedMeans[i] - actual.Means[i]) <= MeanTolerance, $"mean {i}");
    }

    [Fact]
    public void DuplicatePointsTieDeterministically()
    {
        float[] points = Enumerable.Repeat(1.5f, 16 * 3).ToArray();
        DpcKnnMerge merge = Clustering.ClusterAndMerge(points, 16, 3, clusters: 4, k: 5);
        Assert.Equal([0, 1, 2, 3], merge.Clusters.Centers);
        Assert.Equal([0, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], merge.Clusters.Labels);
        Assert.All(merge.Means, v => Assert.Equal(1.5f, v));
    }

    [Fact]
    public void EmptyInputGivesNoClusters()
    {
        DpcKnnMerge merge = Clustering.ClusterAndMerge([], 0, 4, clusters: 3, k: 5);
        Assert.Empty(merge.Clusters.Centers);
        Assert.Empty(merge.Means);
    }

    [Theory]
    [InlineData("prunevid-qwen-like-2scenes.safetensors")]
    [InlineData("prunevid-all-dynamic.safetensors")]
    public void Stage1OnTheseKernelsReproducesTheOfficialOutput(string file)
    {
        using var st = SafeTensorsFile.Open(Official(file));
        int Meta(string key) => int.Parse(st.Metadata[key], CultureInfo.InvariantCulture);
        double MetaD(string key) => double.Parse(st.Metadata[key], CultureInfo.InvariantCulture);
        int C = Meta("C");
        var settings = new Stage1Settings(MetaD("tau"), MetaD("cr"), MetaD("tsr"), 7);

        Stage1Result result = Stage1Algorithm.Run(st.ReadF32("features_in"), Meta("T"), Meta("gh") * Meta("gw"), C, settings, Clustering);

        Assert.Equal(st.ReadI64("static_sizes").Select(v => (int)v), result.Segments.Select(s => s.StaticTokens));
        Assert.Equal(st.ReadI64("dynamic_sizes").Select(v => (int)v), result.Segments.Select(s => s.DynamicTokens));
        float[] expected = st.ReadF32("features_out");
        Assert.Equal(expected.Length, result.Features.Length);
        float worst = 0;
        for (int i = 0; i < expected.Length; i++) worst = MathF.Max(worst, MathF.Abs(expected[i] - result.Features[i]));
        Assert.True(worst <= MeanTolerance, $"{file} on {Clustering.Name}: max abs error {worst:E2}");
    }
}

/// <summary>The references.</summary>
public sealed class HostClusteringTests : ClusteringPrimitivesTests
{
    protected override IClusteringPrimitives Clustering => HostClustering.Instance;

    [Fact]
    public void ParallelDistanceMatrixMatchesAPlainDoubleComputation()
    {
        // 200 x 200 x 64 is above the parallel threshold: every entry must still be the scaled Euclidean distance.
        const int n = 200, c = 64;
        var rng = new Random(8);
        float[] points = Enumerable.Range(0, n * c).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        float[] distances = new float[n * n];
        PairwiseDistance.Reference(points, n, c, distances);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int ch = 0; ch < c; ch++) sum += Math.Pow(points[i * c + ch] - points[j * c + ch], 2);
                Assert.True(Math.Abs(Math.Sqrt(sum) / Math.Sqrt(c) - distances[i * n + j]) < 1e-5, $"D[{i},{j}]");
                Assert.Equal(distances[i * n + j], distances[j * n + i]);
            }
    }
}

/// <summary>One ILGPU CPU accelerator shared by the kernel tests of this class.</summary>
public sealed class IlgpuCpuRuntimeFixture : IDisposable
{
    public KernelRuntime Runtime { get; } = KernelRuntime.CreateCpu();

    public void Dispose() => Runtime.Dispose();
}

/// <summary>The kernels on ILGPU's CPU accelerator.</summary>
public sealed class IlgpuCpuClusteringTests(IlgpuCpuRuntimeFixture fixture) : ClusteringPrimitivesTests, IClassFixture<IlgpuCpuRuntimeFixture>
{
    protected override IClusteringPrimitives Clustering { get; } = new IlgpuClustering(fixture.Runtime);
}
