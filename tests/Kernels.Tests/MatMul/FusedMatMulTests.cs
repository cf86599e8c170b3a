// PruneVid.NET — kernel tests: the fused matrix multiplies (Project, MatMulAccumulate) on every backend.
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Kernels.Tests.Accelerators;

namespace PruneVid.Kernels.Tests.MatMul;

/// <summary>
/// Each fused matrix multiply against its unfused reference: <see cref="Kernels.MatMul.Reference(ReadOnlySpan{float}, ReadOnlySpan{ushort}, ReadOnlySpan{ushort}, Span{float}, int, int, int)"/>
/// once per projection, and the product then a separate add. On a device each op must be a single launch (the decode
/// launch budget, docs/compute-backends.md).
/// </summary>
public abstract class FusedMatMulTests : IDisposable
{
    // Same products, other summation order than the reference's SIMD dot (tiles, GEMV blocks): a few ulp of the row sum.
    private const float Rtol = 1e-5f, Atol = 3e-5f;

    protected abstract ComputeBackend Backend { get; }

    /// <summary>Launches a single fused op may make on this backend (1 on a device; the Cpu backend launches nothing).</summary>
    protected abstract long LaunchesPerOp { get; }

    public abstract void Dispose();

    public static TheoryData<int, int, int, int, int, bool, DType> ProjectShapes() => new()
    {
        { 1, 37, 7, 7, 70, true, DType.BF16 },       // decode: q/k/v-like, K not a multiple of 16 or 32
        { 1, 64, 16, 0, 48, true, DType.BF16 },      // two projections
        { 3, 1, 45, 9, 258, false, DType.BF16 },     // an N of 1, longer K
        { 8, 33, 17, 5, 40, true, DType.F32 },       // f32 weights at the GEMV limit
        { 19, 70, 6, 30, 35, true, DType.BF16 },     // tiled: tiles of several slots, tails in every direction
        { 20, 21, 0, 0, 37, false, DType.F32 },      // one projection, tiled
    };

    [Theory]
    [MemberData(nameof(ProjectShapes))]
    public void ProjectMatchesOneMatMulPerProjection(int m, int n0, int n1, int n2, int k, bool withBias, DType dtype)
    {
        var b = Backend;
        int[] ns = new[] { n0, n1, n2 }.Where(n => n > 0).ToArray();
        float[] x = Numerics.Uniform(m * 7 + k, m * k, -1f, 1f);
        var weights = ns.Select((n, i) => Numerics.UniformBf16(100 + i * 13 + n, n * k, -1f, 1f)).ToArray();
        var biases = ns.Select((n, i) => Numerics.UniformBf16(200 + i, n, -1f, 1f)).ToArray();
        var expected = ns.Select((n, i) => Expected(x, weights[i], withBias ? biases[i] : null, m, n, k)).ToArray();

        using Tensor xt = b.FromF32(x, m, k);
        var tensors = new List<Tensor> { xt };
        var projections = new Projection[ns.Length];
        for (int i = 0; i < ns.Length; i++)
        {
            Tensor w = Weight(b, weights[i], dtype, ns[i], k), y = b.Allocate(DType.F32, m, ns[i]);
            Tensor? bias = withBias ? Weight(b, biases[i], dtype, ns[i]) : null;
            tensors.AddRange(bias is null ? [w, y] : [w, y, bias]);
            projections[i] = new Projection(w, bias, y);
        }

        CounterSnapshot before = b.Counters.Snapshot();
        b.Project(xt, projections);
        Assert.Equal(LaunchesPerOp, (b.Counters.Snapshot() - before).Launches);
        for (int i = 0; i < ns.Length; i++)
            Numerics.AssertClose(expected[i], Download(b, projections[i].Output), Rtol, Atol, $"{b.Name} Project slot {i} m={m} n={ns[i]} k={k} {dtype}");
        foreach (Tensor t in tensors) t.Dispose();
    }

    [Theory]
    [InlineData(1, 45, 70, true, DType.BF16)]
    [InlineData(4, 33, 64, false, DType.BF16)]
    [InlineData(2, 9, 37, true, DType.F32)]
    [InlineData(19, 70, 35, false, DType.BF16)]
    [InlineData(17, 40, 33, true, DType.F32)]
    public void MatMulAccumulateAddsTheProductToY(int m, int n, int k, bool withBias, DType dtype)
    {
        var b = Backend;
        float[] x = Numerics.Uniform(m + k, m * k, -1f, 1f), residual = Numerics.Uniform(n + 5, m * n, -20f, 20f);
        ushort[] w = Numerics.UniformBf16(n * 31 + k, n * k, -1f, 1f), bias = Numerics.UniformBf16(n, n, -1f, 1f);
        float[] product = Expected(x, w, withBias ? bias : null, m, n, k);
        float[] expected = residual.Zip(product, (r, p) => r + p).ToArray();

        using Tensor xt = b.FromF32(x, m, k), yt = b.FromF32(residual, m, n), wt = Weight(b, w, dtype, n, k);
        using Tensor? bt = withBias ? Weight(b, bias, dtype, n) : null;
        CounterSnapshot before = b.Counters.Snapshot();
        b.MatMulAccumulate(xt, wt, bt, yt);
        Assert.Equal(LaunchesPerOp, (b.Counters.Snapshot() - before).Launches);
        Numerics.AssertClose(expected, Download(b, yt), Rtol, Atol, $"{b.Name} MatMulAccumulate m={m} n={n} k={k} {dtype}");
    }


    [Fact]
    public void ProjectRejectsBadCallsWithTheirReason()
    {
        var b = Backend;
        using Tensor x = b.Allocate(DType.F32, 2, 8), w = b.Allocate(DType.BF16, 4, 8), wf = b.Allocate(DType.F32, 4, 8);
        using Tensor y = b.Allocate(DType.F32, 2, 4), wrongK = b.Allocate(DType.BF16, 4, 6), wrongY = b.Allocate(DType.F32, 2, 5);

        Assert.Contains("1 to 3 projections", Assert.Throws<ArgumentException>(() => b.Project(x, [])).Message);
        Assert.Contains("1 to 3 projections", Assert.Throws<ArgumentException>(() => b.Project(x, [new(w, null, y), new(w, null, y), new(w, null, y), new(w, null, y)])).Message);
        Assert.Contains("same dtype", Assert.Throws<ArgumentException>(() => b.Project(x, [new(w, null, y), new(wf, null, y)])).Message);
        Assert.Contains("projections[1].Weight", Assert.Throws<ArgumentException>(() => b.Project(x, [new(w, null, y), new(wrongK, null, y)])).Message);
        Assert.Contains("should be [2,4]", Assert.Throws<ArgumentException>(() => b.Project(x, [new(w, null, wrongY)])).Message);
        Assert.Contains("MatMulAccumulate", Assert.Throws<ArgumentException>(() => b.MatMulAccumulate(x, wrongK, null, y)).Message);
    }

    private static float[] Expected(float[] x, ushort[] w, ushort[]? bias, int m, int n, int k)
    {
        var y = new float[m * n];
        Kernels.MatMul.Reference(x, w, bias ?? default(ReadOnlySpan<ushort>), y, m, n, k);
        return y;
    }

    /// <summary>bf16 words as stored, or the same values widened to f32 (exact), so one expectation serves both dtypes.</summary>
    private static Tensor Weight(ComputeBackend b, ushort[] words, DType dtype, params int[] shape)
        => dtype == DType.BF16 ? b.FromBf16(words, shape) : b.FromF32(words.Select(Bf16.ToSingle).ToArray(), shape);

    private static float[] Download(ComputeBackend b, Tensor t)
    {
        var host = new float[t.Length];
        b.CopyToHost(t, host);
        return host;
    }
}

/// <summary>The fused matrix multiplies on the Cpu backend (its SIMD paths).</summary>
public sealed class FusedMatMulTestsCpuBackend : FusedMatMulTests
{
    private readonly CpuBackend _backend = new();
    protected override ComputeBackend Backend => _backend;
    protected override long LaunchesPerOp => 0;
    public override void Dispose() => _backend.Dispose();
}

/// <summary>The fused matrix multiplies on the ILGPU backend over ILGPU's CPU accelerator: one launch each.</summary>
public sealed class FusedMatMulTestsIlgpuCpu : FusedMatMulTests, IClassFixture<CpuAcceleratorFixture>
{
    private readonly IlgpuBackend _backend;
    public FusedMatMulTestsIlgpuCpu(CpuAcceleratorFixture fixture) => _backend = new IlgpuBackend(fixture.Runtime);
    protected override ComputeBackend Backend => _backend;
    protected override long LaunchesPerOp => 1;
    public override void Dispose() => _backend.Dispose();
}
