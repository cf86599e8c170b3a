// PruneVid.NET — clustering tests.
using PruneVid.Compute;
using PruneVid.Kernels.Clustering;
using PruneVid.Kernels.Cpu;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Strategies.Tests.Stage1;
using Xunit;

namespace PruneVid.Strategies.Tests.Clustering;

/// <summary>
/// The Stage-1 clustering ops (RowMeans, StaticMask, DpcKnnMerge) written once and run on every backend: the Cpu
/// backend and the ILGPU kernels on the CPU accelerator. Expected values come from the official fixtures and from the
/// plain references (<see cref="DpcKnn"/>, <see cref="ClusterMean"/>, <see cref="StaticMask"/>, <see cref="RowMeans"/>).
/// </summary>
public abstract class ClusteringOpsTests
{
    private const float MeanTolerance = 1e-5f;

    protected abstract ComputeBackend Backend { get; }

    private static float[] Random(int count, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    // One DpcKnnMerge call over groups of (n, clusters, k); kept groups when cluster is false.
    private (float[] Means, int[] Assignment) Merge(float[] points, int c, params (int N, int M, int K, bool Cluster)[] groups)
    {
        int n = groups.Sum(g => g.N), rows = groups.Sum(g => g.M);
        using Tensor x = Backend.FromF32(points, n, c), means = Backend.Allocate(DType.F32, rows, c), assignment = Backend.Allocate(DType.I32, rows + n);
        Backend.Reduction.DpcKnnMerge(x, groups.Select(g => new ClusterGroup(g.N, g.M, g.K, g.Cluster)).ToArray(), means, assignment);
        float[] hostMeans = new float[rows * c];
        int[] hostAssignment = new int[rows + n];
        if (hostMeans.Length > 0) Backend.CopyToHost(means, hostMeans);
        if (hostAssignment.Length > 0) Backend.CopyToHost(assignment, hostAssignment);
        return (hostMeans, hostAssignment);
    }

    [Fact]
    public void OfficialDpcKnnLabelsAreReproduced()
    {
        using var st = SafeTensorsFile.Open(FixturePaths.Get("prunevid-official", "prunevid-dpcknn-60x12-m9-k5.safetensors"));
        (_, int[] assignment) = Merge(st.ReadF32("points"), 12, (60, 9, 5, true));
        Assert.Equal(st.ReadI64("labels").Select(v => (int)v), assignment[9..]);
    }

    [Theory]
    [InlineData(40, 16, 10, 7, 1)]
    [InlineData(64, 32, 32, 7, 2)]
    [InlineData(17, 5, 8, 3, 3)]
    [InlineData(5, 4, 5, 5, 4)] // as many clusters and neighbours as points
    [InlineData(1, 3, 1, 1, 5)] // one point
    public void OneGroupMatchesTheReferences(int n, int c, int clusters, int k, int seed)
    {
        float[] points = Random(n * c, seed);
        DpcKnnResult expected = DpcKnn.Cluster(points, n, c, clusters, k);
        float[] expectedMeans = new float[clusters * c];
        ClusterMean.Reference(points, n, c, expected.Labels, clusters, expectedMeans);

        (float[] means, int[] assignment) = Merge(points, c, (n, clusters, k, true));

        Assert.Equal(expected.Centers, assignment[..clusters]);
        Assert.Equal(expected.Labels, assignment[clusters..]);
        for (int i = 0; i < expectedMeans.Length; i++) Assert.True(MathF.Abs(expectedMeans[i] - means[i]) <= MeanTolerance, $"mean {i}");
    }

    [Fact]
    public void ManyGroupsInOneCallMatchTheReferencesGroupByGroup()
    {
        const int c = 7;
        (int N, int M, int K, bool Cluster)[] groups = [(20, 10, 5, true), (3, 3, 1, false), (31, 15, 7, true), (14, 14, 1, false), (16, 1, 16, true), (15, 7, 5, true)];
        float[] points = Random(groups.Sum(g => g.N) * c, seed: 11);
        (float[] means, int[] assignment) = Merge(points, c, groups);

        int rows = groups.Sum(g => g.M), point = 0, row = 0;
        foreach (var (n, m, k, cluster) in groups)
        {
            float[] x = points.AsSpan(point * c, n * c).ToArray();
            int[] centers = Enumerable.Range(0, n).ToArray(), labels = centers;
            float[] expected = x;
            if (cluster)
            {
                DpcKnnResult result = DpcKnn.Cluster(x, n, c, m, k);
                (centers, labels, expected) = (result.Centers, result.Labels, new float[m * c]);
                ClusterMean.Reference(x, n, c, labels, m, expected);
            }
            Assert.Equal(centers, assignment[row..(row + m)]);
            Assert.Equal(labels, assignment[(rows + point)..(rows + point + n)]);
            for (int i = 0; i < m * c; i++) Assert.True(MathF.Abs(expected[i] - means[row * c + i]) <= MeanTolerance, $"group at row {row}, mean {i}");
            point += n;
            row += m;
        }
    }

    [Fact]
    public void DuplicatePointsTieDeterministically()
    {
        float[] points = Enumerable.Repeat(1.5f, 16 * 3).ToArray();
        (float[] means, int[] assignment) = Merge(points, 3, (16, 4, 5, true));
        Assert.Equal([0, 1, 2, 3], assignment[..4]);
        Assert.Equal([0, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], assignment[4..]);
        Assert.All(means, v => Assert.Equal(1.5f, v));
    }

    [Fact]
    public void NoGroupsIsNoWork()
    {
        (float[] means, int[] assignment) = Merge([], 4);
        Assert.Empty(means);
        Assert.Empty(assignment);
    }

    [Fact]
    public void RowMeansAndStaticMaskMatchTheReferences()
    {
        const int rows = 30, c = 9;
        float[] data = Random(rows * c, seed: 3);
        for (int ch = 0; ch < c; ch++) data[10 * c + ch] = data[0 * c + ch] * 2f; // rows 0, 10, 20 point the same way
        for (int ch = 0; ch < c; ch++) data[20 * c + ch] = data[0 * c + ch] * 0.5f;
        int[] sets = [0, 3, 10, 1, 1, 1, 29, 1, 1, 2, 4, 7, 0, 2, 5];
        float[] expectedMeans = new float[5 * c];
        RowMeans.Reference(data, c, sets, expectedMeans);
        int[] expectedMask = new int[5];
        StaticMask.Reference(data, c, sets, 0.8, expectedMask);

        using Tensor x = Backend.FromF32(data, rows, c), y = Backend.Allocate(DType.F32, 5, c), mask = Backend.Allocate(DType.I32, 5);
        RowSet[] rowSets = Enumerable.Range(0, 5).Select(o => new RowSet(sets[o * 3], sets[o * 3 + 1], sets[o * 3 + 2])).ToArray();
        Backend.Reduction.RowMeans(x, rowSets, y);
        Backend.Reduction.StaticMask(x, rowSets, 0.8, mask);
        float[] means = new float[5 * c];
        int[] hostMask = new int[5];
        Backend.CopyToHost(y, means);
        Backend.CopyToHost(mask, hostMask);

        Assert.Equal(expectedMeans, means);
        Assert.Equal(expectedMask, hostMask);
        Assert.Equal(1, hostMask[0]); // the aligned rows are static; one row is always dynamic
        Assert.Equal(0, hostMask[1]);
    }

    [Fact]
    public void BadTablesAreRejectedWithTheOpName()
    {
        using Tensor x = Backend.Allocate(DType.F32, 4, 2), y = Backend.Allocate(DType.F32, 1, 2), a = Backend.Allocate(DType.I32, 8);
        Assert.StartsWith("RowMeans:", Assert.Throws<ArgumentException>(() => Backend.Reduction.RowMeans(x, [new RowSet(2, 2, 2)], y)).Message);
        Assert.StartsWith("DpcKnnMerge:", Assert.Throws<ArgumentException>(() => Backend.Reduction.DpcKnnMerge(x, [new ClusterGroup(4, 5, 2, true)], y, a)).Message);
        Assert.StartsWith("DpcKnnMerge:", Assert.Throws<ArgumentException>(() => Backend.Reduction.DpcKnnMerge(x, [new ClusterGroup(4, 3, 2, false)], y, a)).Message);
    }
}

/// <summary>The Cpu backend (the references).</summary>
public sealed class CpuClusteringOpsTests : ClusteringOpsTests, IDisposable
{
    private readonly CpuBackend _backend = new();

    protected override ComputeBackend Backend => _backend;

    public void Dispose() => _backend.Dispose();

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

/// <summary>The kernels on ILGPU's CPU accelerator.</summary>
public sealed class IlgpuCpuClusteringOpsTests(IlgpuCpuBackendFixture fixture) : ClusteringOpsTests, IClassFixture<IlgpuCpuBackendFixture>
{
    protected override ComputeBackend Backend => fixture.Backend;
}
