// PruneVid.NET — kernel tests.
using PruneVid.Compute;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Kernels.Tests.Accelerators;

namespace PruneVid.Kernels.Tests.Attention;

/// <summary>
/// The attention-signal ops (<see cref="AttentionSaliency"/>, <see cref="AttentionColumnSums"/>): the references
/// against a dense oracle that forms the whole softmax matrix, and the ILGPU kernels against the references, over
/// uneven segments.
/// </summary>
public abstract class AttentionSignalTests(AcceleratorFixture fixture)
{
    private const float Rtol = 1e-5f, Atol = 1e-6f;
    private static readonly int[] Segments = [0, 8, 20, 24, 40]; // multiples of the merge unit 4
    private static readonly AttentionShape Shape = AttentionShape.Create(3, 3, 16);

    private static (float[] Q, float[] K) Data(int seed)
    {
        int n = Segments[^1] * Shape.Heads * Shape.HeadDim;
        return (Numerics.Uniform(seed, n, -1f, 1f), Numerics.Uniform(seed + 1, n, -1f, 1f));
    }

    /// <summary>softmax(q_i·k_j·scale) of one head within a segment, from the whole matrix.</summary>
    private static double[,] Softmax(float[] q, float[] k, int first, int count, int h, Func<int, float[]>? queryOf = null, Func<int, float[]>? keyOf = null, int queries = 0, int keys = 0)
    {
        int d = Shape.HeadDim, stride = Shape.Heads * d;
        queryOf ??= i => q.AsSpan((first + i) * stride + h * d, d).ToArray();
        keyOf ??= j => k.AsSpan((first + j) * stride + h * d, d).ToArray();
        queries = queries == 0 ? count : queries;
        keys = keys == 0 ? count : keys;
        var p = new double[queries, keys];
        for (int i = 0; i < queries; i++)
        {
            float[] qi = queryOf(i);
            double[] logits = Enumerable.Range(0, keys).Select(j => qi.Zip(keyOf(j)).Sum(x => (double)x.First * x.Second) * Shape.Scale).ToArray();
            double max = logits.Max(), sum = logits.Sum(l => Math.Exp(l - max));
            for (int j = 0; j < keys; j++) p[i, j] = Math.Exp(logits[j] - max) / sum;
        }
        return p;
    }

    [Fact]
    public void ColumnSumsReferenceMatchesTheDenseMatrix()
    {
        var (q, k) = Data(1);
        float[] sums = new float[Segments[^1]];
        AttentionColumnSums.Reference(q, k, Shape, Segments, sums);
        var expected = new float[sums.Length];
        for (int s = 0; s + 1 < Segments.Length; s++)
            for (int h = 0; h < Shape.Heads; h++)
            {
                int first = Segments[s], count = Segments[s + 1] - first;
                double[,] p = Softmax(q, k, first, count, h);
                for (int j = 0; j < count; j++)
                    for (int i = 0; i < count; i++) expected[first + j] += (float)p[i, j];
            }
        Numerics.AssertClose(expected, sums, Rtol, Atol, "column sums reference vs dense");
    }

    [Fact]
    public void FrameSaliencyReferenceMatchesTheDenseFormula()
    {
        var (q, k) = Data(3);
        int d = Shape.HeadDim, stride = Shape.Heads * d;
        float[] saliency = new float[Segments[^1] / 4];
        AttentionSaliency.Reference(q, k, Shape, Segments, 4, saliency);
        var expected = new float[saliency.Length];
        for (int s = 0; s + 1 < Segments.Length; s++)
        {
            int first = Segments[s], count = Segments[s + 1] - first, units = count / 4;
            for (int h = 0; h < Shape.Heads; h++)
            {
                float[] MeanOf(float[] x, int from, int rows) => Enumerable.Range(0, d).Select(c => Enumerable.Range(from, rows).Average(r => x[r * stride + h * d + c])).ToArray();
                double[,] p = Softmax(q, k, first, count, h, _ => MeanOf(q, first, count), j => MeanOf(k, first + 4 * j, 4), queries: 1, keys: units);
                for (int u = 0; u < units; u++) expected[first / 4 + u] += (float)(p[0, u] / Shape.Heads);
            }
        }
        Numerics.AssertClose(expected, saliency, Rtol, Atol, "frame saliency reference vs dense");
        for (int s = 0; s + 1 < Segments.Length; s++)
            Assert.Equal(1.0, saliency.AsSpan(Segments[s] / 4, (Segments[s + 1] - Segments[s]) / 4).ToArray().Sum(v => (double)v), 1e-5);
    }

    [AcceleratorFact]
    public void KernelsMatchTheReferences()
    {
        var (q, k) = Data(5);
        float[] expectedSums = new float[Segments[^1]], expectedSaliency = new float[Segments[^1] / 4];
        AttentionColumnSums.Reference(q, k, Shape, Segments, expectedSums);
        AttentionSaliency.Reference(q, k, Shape, Segments, 4, expectedSaliency);

        using var backend = new IlgpuBackend(fixture.Runtime);
        using Tensor tq = backend.FromF32(q, Segments[^1], Shape.Heads * Shape.HeadDim), tk = backend.FromF32(k, Segments[^1], Shape.Heads * Shape.HeadDim);
        using Tensor sums = backend.Allocate(DType.F32, Segments[^1]), saliency = backend.Allocate(DType.F32, Segments[^1] / 4);
        backend.Reduction.AttentionColumnSums(tq, tk, Shape, Segments, sums);
        backend.Reduction.FrameSaliency(tq, tk, Shape, Segments, 4, saliency);
        float[] actualSums = new float[expectedSums.Length], actualSaliency = new float[expectedSaliency.Length];
        backend.CopyToHost(sums, actualSums);
        backend.CopyToHost(saliency, actualSaliency);
        Numerics.AssertClose(expectedSums, actualSums, Rtol, Atol, "AttentionColumnSums kernels");
        Numerics.AssertClose(expectedSaliency, actualSaliency, Rtol, Atol, "FrameSaliency kernels");
    }

    [Fact]
    public void ASegmentThatIsNotWholeMergeUnitsIsRejected()
    {
        var (q, k) = Data(7);
        var error = Assert.Throws<ArgumentException>(() => AttentionSaliency.Reference(q, k, Shape, [0, 10, 40], 4, new float[10]));
        Assert.Contains("segment 0 has 10 rows", error.Message);
    }
}

/// <summary>The attention signals on ILGPU's CPU accelerator.</summary>
public sealed class AttentionSignalTestsCpu(CpuAcceleratorFixture fixture) : AttentionSignalTests(fixture), IClassFixture<CpuAcceleratorFixture>;

/// <summary>The attention signals on a CUDA GPU (discovered only where one exists).</summary>
[RequiresCuda]
public sealed class AttentionSignalTestsCuda(CudaAcceleratorFixture fixture) : AttentionSignalTests(fixture), IClassFixture<CudaAcceleratorFixture>;
