// PruneVid.NET — kernel tests.
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Compute;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Kernels.Tests.Accelerators;

namespace PruneVid.Kernels.Tests.Attention;

/// <summary>The fused tiled attention kernel and the split-key decode pair against <see cref="Kernels.Attention.Reference"/>.</summary>
public abstract class AttentionTests(AcceleratorFixture fixture)
{
    // One softmax per row in f32 either way; the kernel rescales online and pre-scales q, so rounding differs by a
    // few ulp of values bounded by max|v| = 1.
    private const float Rtol = 1e-5f, Atol = 2e-6f;

    private KernelRuntime Runtime => fixture.Runtime;

    public static TheoryData<int, int, int, bool> Layouts() => new()
    {
        { 4, 2, 16, false },  // GQA 2:1
        { 2, 1, 64, true },   // MQA, causal
        { 2, 2, 80, false },  // the vision tower's head width
        { 4, 1, 128, true },  // the language model's head width, GQA 4:1
    };

    /// <summary>Uneven windows: 21 rows (two query blocks), an empty segment, 1 row and 18 rows.</summary>
    private static readonly int[] WindowsQ = [0, 21, 21, 22, 40];

    /// <summary>For the causal case: more keys than queries in two segments (cached keys before the queries).</summary>
    private static readonly int[] CausalK = [0, 21, 21, 40, 63];

    [AcceleratorTheory]
    [MemberData(nameof(Layouts))]
    public void TiledMatchesReferenceOverUnevenSegments(int heads, int kvHeads, int headDim, bool causal)
    {
        int[] cuK = causal ? CausalK : [0, 17, 17, 30, 52]; // non-causal: key counts differ from query counts
        var shape = AttentionShape.Create(heads, kvHeads, headDim);
        var (q, k, v) = Data(shape, WindowsQ[^1], cuK[^1], heads * 100 + headDim);
        float[] expected = new float[q.Length];
        Kernels.Attention.Reference(q, k, v, expected, shape, WindowsQ, cuK, causal);

        int[] blocks = Kernels.Attention.QueryBlocks(WindowsQ);
        using var qb = Runtime.Accelerator.Allocate1D(q);
        using var kb = Runtime.Accelerator.Allocate1D(k);
        using var vb = Runtime.Accelerator.Allocate1D(v);
        using var ob = Runtime.Accelerator.Allocate1D<float>(q.Length);
        using var cq = Runtime.Accelerator.Allocate1D(WindowsQ);
        using var ck = Runtime.Accelerator.Allocate1D(cuK);
        using var bl = Runtime.Accelerator.Allocate1D(blocks);
        var p = new AttentionParams(heads, kvHeads, headDim, shape.Scale, causal ? 1 : 0);
        foreach (int threads in Fitting())
        {
            ob.MemSetToZero();
            Kernels.Attention.LaunchTiled(Runtime, blocks.Length / 2 * heads, qb.View, kb.View, vb.View, ob.View, cq.View, ck.View, bl.View, p, threads);
            Numerics.AssertClose(expected, ob.GetAsArray1D(), Rtol, Atol, $"Attention.Tiled h={heads}/{kvHeads} d={headDim} causal={causal} threads={threads}");
        }
    }

    [AcceleratorFact]
    public void DecodeStepSeesEveryCachedKey()
    {
        // One new query per sequence against 37 and 5 cached keys: the causal rule lets the last row see all of them.
        var shape = AttentionShape.Create(4, 2, 64);
        int[] cuQ = [0, 1, 2], cuK = [0, 37, 42];
        var (q, k, v) = Data(shape, 2, 42, 7);
        float[] expected = new float[q.Length];
        Kernels.Attention.Reference(q, k, v, expected, shape, cuQ, cuK, causal: false);
        Numerics.AssertClose(expected, RunBackend(shape, q, k, v, cuQ, cuK, causal: true), Rtol, Atol, "decode step");
    }

    [AcceleratorTheory]
    [InlineData(4, 2, 80)]
    [InlineData(2, 1, 128)]
    public void DecodeSplitAndCombineMatchReference(int heads, int kvHeads, int headDim)
    {
        // One query in two segments (40 and 70 cached keys), none in the middle one; chunks of 16 give 5 splits,
        // the last one partly past the shorter segment's keys.
        var shape = AttentionShape.Create(heads, kvHeads, headDim);
        int[] cuQ = [0, 1, 1, 2], cuK = [0, 40, 47, 117];
        const int chunk = 16, splits = 5;
        var (q, k, v) = Data(shape, 2, cuK[^1], headDim);
        float[] expected = new float[q.Length];
        Kernels.Attention.Reference(q, k, v, expected, shape, cuQ, cuK, causal: true);

        using var qb = Runtime.Accelerator.Allocate1D(q);
        using var kb = Runtime.Accelerator.Allocate1D(k);
        using var vb = Runtime.Accelerator.Allocate1D(v);
        using var ob = Runtime.Accelerator.Allocate1D<float>(q.Length);
        using var cq = Runtime.Accelerator.Allocate1D(cuQ);
        using var ck = Runtime.Accelerator.Allocate1D(cuK);
        int items = (cuQ.Length - 1) * heads;
        using var partial = Runtime.Accelerator.Allocate1D<float>((long)items * splits * Kernels.Attention.DecodePartialWidth(headDim));
        var p = new AttentionParams(heads, kvHeads, headDim, shape.Scale, 1);
        foreach (int threads in Fitting("Attention.DecodeSplit"))
        {
            ob.MemSetToZero();
            Kernels.Attention.LaunchDecodeSplit(Runtime, items * splits, qb.View, kb.View, vb.View, partial.View, cq.View, ck.View, p, chunk, splits, threads);
            Kernels.Attention.LaunchDecodeCombine(Runtime, items * headDim, partial.View, ob.View, cq.View, p, splits);
            Numerics.AssertClose(expected, ob.GetAsArray1D(), Rtol, Atol, $"Attention.DecodeSplit h={heads}/{kvHeads} d={headDim} threads={threads}");
        }
    }

    [AcceleratorFact]
    public void BackendSplitsTheKeysOfALongDecodeStep()
    {
        // 600 cached keys reach the split-key path (two chunks and a bit); a short second segment rides along.
        var shape = AttentionShape.Create(2, 1, 64);
        int[] cuQ = [0, 1, 2], cuK = [0, 600, 613];
        var (q, k, v) = Data(shape, 2, cuK[^1], 11);
        float[] expected = new float[q.Length];
        Kernels.Attention.Reference(q, k, v, expected, shape, cuQ, cuK, causal: true);
        Numerics.AssertClose(expected, RunBackend(shape, q, k, v, cuQ, cuK, causal: true), Rtol, Atol, "split-key decode through the backend");
    }

    [AcceleratorFact]
    public void EqualKeysAverageTheValues()
    {
        // Independent of the reference: identical keys give equal weights, so each output row is the mean of the
        // visible value rows (causal: a running mean).
        var shape = AttentionShape.Create(1, 1, 16);
        const int rows = 20;
        float[] q = Numerics.Uniform(1, rows * 16);
        float[] k = Enumerable.Range(0, rows).SelectMany(_ => Numerics.Uniform(2, 16)).ToArray();
        float[] v = Numerics.Uniform(3, rows * 16);
        float[] got = RunBackend(shape, q, k, v, [0, rows], [0, rows], causal: true);
        for (int i = 0; i < rows; i++)
            for (int c = 0; c < 16; c++)
            {
                double mean = 0;
                for (int j = 0; j <= i; j++) mean += v[j * 16 + c];
                mean /= i + 1;
                Assert.True(Math.Abs(mean - got[i * 16 + c]) < 1e-5, $"row {i} col {c}: {got[i * 16 + c]} vs mean {mean}");
            }
    }

    [AcceleratorFact]
    public void BackendReusesItsSegmentTablesAcrossCalls()
    {
        // Same tables twice (cached upload), then different ones (new upload): each call must use its own.
        var shape = AttentionShape.Create(2, 2, 16);
        var (q, k, v) = Data(shape, 30, 30, 5);
        using var backend = F32Backend();
        foreach (int[] cu in new[] { new[] { 0, 10, 30 }, new[] { 0, 10, 30 }, new[] { 0, 3, 3, 30 } })
        {
            float[] expected = new float[q.Length];
            Kernels.Attention.Reference(q, k, v, expected, shape, cu, cu, causal: false);
            Numerics.AssertClose(expected, RunBackend(shape, q, k, v, cu, cu, causal: false, backend), Rtol, Atol, $"segments [{string.Join(",", cu)}]");
        }
    }

    [AcceleratorFact]
    public void BackendRejectsBadSegmentsAndWideHeads()
    {
        using var backend = new IlgpuBackend(Runtime);
        var shape = AttentionShape.Create(2, 1, 16);
        using Tensor q = backend.Allocate(DType.F32, 4, 32), kv = backend.Allocate(DType.F32, 4, 16), o = backend.Allocate(DType.F32, 4, 32);
        var e = Assert.Throws<ArgumentException>(() => backend.Attention(q, kv, kv, o, shape, [0, 3, 2], [0, 3, 4], false));
        Assert.Contains("decrease", e.Message);
        Assert.Throws<ArgumentException>(() => backend.Attention(q, kv, kv, o, shape, [0, 4], [0, 3], true)); // more queries than keys
        Assert.Throws<ArgumentException>(() => backend.Attention(q, kv, kv, o, shape, [0, 4], [0, 5], false)); // past the key rows

        var wide = AttentionShape.Create(1, 1, 256);
        using Tensor wq = backend.Allocate(DType.F32, 1, 256);
        Assert.Throws<NotSupportedException>(() => backend.Attention(wq, wq, wq, wq, wide, [0, 1], [0, 1], false));
    }

    // These tests hold the f32 kernels to f32 bounds: on CUDA, tensor cores would send prefills to bf16 flash attention
    // (FlashAttentionTests covers that path).
    private IlgpuBackend F32Backend() => new(Runtime) { TensorCores = false };

    private float[] RunBackend(AttentionShape shape, float[] q, float[] k, float[] v, int[] cuQ, int[] cuK, bool causal, IlgpuBackend? shared = null)
    {
        IlgpuBackend backend = shared ?? F32Backend();
        try
        {
            int qw = shape.Heads * shape.HeadDim, kw = shape.KvHeads * shape.HeadDim;
            using Tensor tq = backend.FromF32(q, q.Length / qw, qw), tk = backend.FromF32(k, k.Length / kw, kw), tv = backend.FromF32(v, v.Length / kw, kw);
            using Tensor to = backend.Allocate(DType.F32, q.Length / qw, qw);
            backend.Attention(tq, tk, tv, to, shape, cuQ, cuK, causal);
            float[] result = new float[q.Length];
            backend.CopyToHost(to, result);
            return result;
        }
        finally
        {
            if (shared is null) backend.Dispose();
        }
    }

    private static (float[] Q, float[] K, float[] V) Data(AttentionShape shape, int rowsQ, int rowsK, int seed)
        => (Numerics.Uniform(seed, rowsQ * shape.Heads * shape.HeadDim, -1f, 1f),
            Numerics.Uniform(seed + 1, rowsK * shape.KvHeads * shape.HeadDim, -1f, 1f),
            Numerics.Uniform(seed + 2, rowsK * shape.KvHeads * shape.HeadDim, -1f, 1f));

    private IEnumerable<int> Fitting(string kernel = "Attention.Tiled")
        => KernelRegistry.Find(kernel)!.Tunables["threads"].Where(t => t <= Runtime.Accelerator.MaxNumThreadsPerGroup);
}

/// <summary>Attention on ILGPU's CPU accelerator.</summary>
public sealed class AttentionTestsCpu(CpuAcceleratorFixture fixture) : AttentionTests(fixture), IClassFixture<CpuAcceleratorFixture>;

/// <summary>Attention on a CUDA GPU (discovered only where one exists).</summary>
[RequiresCuda]
public sealed class AttentionTestsCuda(CudaAcceleratorFixture fixture) : AttentionTests(fixture), IClassFixture<CudaAcceleratorFixture>;
