// PruneVid.NET — kernel tests.
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Kernels.Tests.Accelerators;

namespace PruneVid.Kernels.Tests.Attention;

/// <summary>
/// The attention-score op against a direct reference written here: every probability of the scored rows
/// materialised in double (softmax over all keys, or the causal prefix), then max/mean over heads and max over rows.
/// </summary>
public static class DirectAttentionScores
{
    public static float[] Compute(float[] q, float[] k, AttentionShape shape, AttentionScoreRequest r)
    {
        int d = shape.HeadDim, keys = k.Length / (shape.KvHeads * d), group = shape.Heads / shape.KvHeads;
        var best = new double[r.ColumnCount];
        for (int row = r.RowStart; row < r.RowStart + r.RowCount; row++)
        {
            var combined = new double[r.ColumnCount];
            for (int h = 0; h < shape.Heads; h++)
            {
                int visible = r.Causal ? row + 1 : keys;
                var logits = new double[visible];
                for (int j = 0; j < visible; j++)
                {
                    double s = 0;
                    for (int x = 0; x < d; x++) s += (double)q[(row * shape.Heads + h) * d + x] * k[(j * shape.KvHeads + h / group) * d + x];
                    logits[j] = s / Math.Sqrt(d);
                }
                double max = logits.Max(), sum = logits.Sum(l => Math.Exp(l - max));
                for (int c = 0; c < r.ColumnCount; c++)
                {
                    int column = r.ColumnStart + c;
                    double p = column < visible ? Math.Exp(logits[column] - max) / sum : 0;
                    combined[c] = r.Heads == AttentionScoreHeads.Mean ? combined[c] + p / shape.Heads : Math.Max(combined[c], p);
                }
            }
            for (int c = 0; c < r.ColumnCount; c++) best[c] = Math.Max(best[c], combined[c]);
        }
        return best.Select(v => (float)v).ToArray();
    }

    /// <summary>Random pre-projection-like data: q, k in [−1, 1).</summary>
    public static (float[] Q, float[] K) Data(AttentionShape shape, int rows, int seed) =>
        (Numerics.Uniform(seed, rows * shape.Heads * shape.HeadDim, -1f, 1f), Numerics.Uniform(seed + 1, rows * shape.KvHeads * shape.HeadDim, -1f, 1f));

    public static float[] Run(ComputeBackend backend, float[] q, float[] k, AttentionShape shape, AttentionScoreRequest request)
    {
        int rows = q.Length / (shape.Heads * shape.HeadDim);
        using Tensor tq = backend.FromF32(q, rows, shape.Heads * shape.HeadDim);
        using Tensor tk = backend.FromF32(k, rows, shape.KvHeads * shape.HeadDim);
        using Tensor scores = backend.Allocate(DType.F32, request.ColumnCount);
        backend.Reduction.AttentionScores(tq, tk, shape, request, scores);
        float[] host = new float[request.ColumnCount];
        backend.CopyToHost(scores, host);
        return host;
    }
}

/// <summary>The Cpu backend (the C# reference) on random shapes: head_dim 16..128, GQA 1:1..7:1, both variants.</summary>
public sealed class AttentionScoresCpuTests
{
    public static TheoryData<int, int, int, int, bool, AttentionScoreHeads> Shapes() => new()
    {
        { 4, 4, 16, 1, false, AttentionScoreHeads.Max },     // MHA, official
        { 4, 2, 32, 2, false, AttentionScoreHeads.Max },     // GQA 2:1
        { 28, 4, 128, 3, false, AttentionScoreHeads.Max },   // 7B layout, GQA 7:1
        { 16, 2, 128, 4, true, AttentionScoreHeads.Max },    // 3B layout, post-RoPE causal variant
        { 6, 3, 64, 5, true, AttentionScoreHeads.Mean },     // FastV's head mean
        { 7, 1, 80, 6, false, AttentionScoreHeads.Mean },    // MQA 7:1
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatchesTheDirectReference(int heads, int kvHeads, int headDim, int seed, bool causal, AttentionScoreHeads combine)
    {
        var random = new Random(seed);
        int rows = random.Next(40, 90), videoStart = random.Next(1, 8), video = random.Next(10, rows - videoStart - 5);
        var shape = AttentionShape.Create(heads, kvHeads, headDim);
        var (q, k) = DirectAttentionScores.Data(shape, rows, seed * 31);
        var request = new AttentionScoreRequest(videoStart + video, rows - videoStart - video, videoStart, video, causal, combine);
        using var backend = new CpuBackend();
        float[] got = DirectAttentionScores.Run(backend, q, k, shape, request);
        Numerics.AssertClose(DirectAttentionScores.Compute(q, k, shape, request), got, 1e-4f, 1e-6f, $"scores {heads}/{kvHeads}x{headDim}");
        Assert.Contains(got, v => v > 0);
    }

    [Fact]
    public void CausalRowsGiveNothingToLaterColumns()
    {
        var shape = AttentionShape.Create(2, 1, 16);
        var (q, k) = DirectAttentionScores.Data(shape, 12, 5);
        using var backend = new CpuBackend();
        // Row 3 scores columns 2..7: columns after it are masked.
        float[] got = DirectAttentionScores.Run(backend, q, k, shape, new AttentionScoreRequest(3, 1, 2, 6, Causal: true));
        Assert.True(got[0] > 0 && got[1] > 0);
        Assert.All(got[2..], v => Assert.Equal(0f, v));
    }

    [Fact]
    public void RejectsRowsOutsideTheSequence()
    {
        var shape = AttentionShape.Create(2, 1, 16);
        using var backend = new CpuBackend();
        using Tensor q = backend.Allocate(DType.F32, 5, 32), k = backend.Allocate(DType.F32, 5, 16), s = backend.Allocate(DType.F32, 2);
        var error = Assert.Throws<ArgumentException>(() => backend.Reduction.AttentionScores(q, k, shape, new AttentionScoreRequest(4, 3, 0, 2, false), s));
        Assert.Contains("query rows [4, 7)", error.Message);
    }
}

/// <summary>The ILGPU kernels against the direct reference at small shapes.</summary>
public abstract class AttentionScoresKernelTests(AcceleratorFixture fixture)
{
    public static TheoryData<int, int, int, bool, AttentionScoreHeads> Shapes() => new()
    {
        { 4, 2, 16, false, AttentionScoreHeads.Max },
        { 7, 1, 32, true, AttentionScoreHeads.Max },
        { 3, 3, 128, false, AttentionScoreHeads.Mean },
        { 6, 2, 64, true, AttentionScoreHeads.Mean },
    };

    [AcceleratorTheory]
    [MemberData(nameof(Shapes))]
    public void KernelMatchesTheDirectReference(int heads, int kvHeads, int headDim, bool causal, AttentionScoreHeads combine)
    {
        var shape = AttentionShape.Create(heads, kvHeads, headDim);
        int rows = 37;
        var (q, k) = DirectAttentionScores.Data(shape, rows, heads * 7 + headDim);
        var request = new AttentionScoreRequest(25, 12, 4, 21, causal, combine);
        using var backend = new IlgpuBackend(fixture.Runtime);
        float[] got = DirectAttentionScores.Run(backend, q, k, shape, request);
        Numerics.AssertClose(DirectAttentionScores.Compute(q, k, shape, request), got, 1e-4f, 1e-6f, "kernel scores");
    }
}

/// <summary>Attention scores on ILGPU's CPU accelerator.</summary>
public sealed class AttentionScoresKernelTestsCpu(CpuAcceleratorFixture fixture) : AttentionScoresKernelTests(fixture), IClassFixture<CpuAcceleratorFixture>;

/// <summary>Attention scores on a CUDA GPU (discovered only where one exists).</summary>
[RequiresCuda]
public sealed class AttentionScoresKernelTestsCuda(CudaAcceleratorFixture fixture) : AttentionScoresKernelTests(fixture), IClassFixture<CudaAcceleratorFixture>;
