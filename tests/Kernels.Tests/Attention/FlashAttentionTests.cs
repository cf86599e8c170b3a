// PruneVid.NET — kernel tests.
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Compute;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Kernels.Tests.Accelerators;

namespace PruneVid.Kernels.Tests.Attention;

/// <summary>
/// Flash attention on tensor cores (<see cref="Kernels.Attention.FlashKernel"/>) against
/// <see cref="Kernels.Attention.FlashReference"/> (q, k, v rounded to bf16, then the f32 reference) at segment lengths
/// that are multiples of no tile, on the CPU accelerator with 32-lane warps (the warp instructions emulated), and the
/// plan's choice of it.
/// </summary>
public sealed class FlashAttentionTests(Warp32CpuAcceleratorFixture fixture) : IClassFixture<Warp32CpuAcceleratorFixture>
{
    // The kernel rounds each softmax weight p to bf16 before P·V (relative error ≤ 2⁻⁹) and the reference does not, so
    // an output Σ p·v / Σ p moves by at most 2⁻⁹·max|v|; f32 summation order and the online rescaling add a few ulp.
    // Twice the bound, with max|v| = 1.
    private const float Atol = 1f / 256;

    // The 2-warp group (32 query rows): the fixture's accelerator simulates 64 threads per group.
    private const int Threads = 64;

    private KernelRuntime Runtime => fixture.Runtime;

    // Each key step of a head width of 128 costs the emulation about 2,000 warp shuffles per warp: the shapes are
    // small, and each case covers what the cheaper ones cannot.
    public static TheoryData<int, int, int, bool, int[], int[]> Cases() => new()
    {
        { 2, 1, 128, true, [0, 37], [0, 45] },               // LLM prefill: head width 128, causal, GQA 2:1, 8 keys cached before
        { 1, 1, 80, false, [0, 37, 45, 45, 58], [0, 37, 45, 45, 58] }, // vision windows/frames: head width 80, uneven, one empty
        { 7, 1, 16, true, [0, 21, 21, 40], [0, 21, 30, 63] }, // GQA 7:1, two sequences with cached keys, an empty one
        { 4, 2, 16, false, [0, 70], [0, 70] },               // 70 rows: three query blocks, three key steps, no mask
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void FlashKernelMatchesBf16Reference(int heads, int kvHeads, int headDim, bool causal, int[] cuQ, int[] cuK)
    {
        var shape = AttentionShape.Create(heads, kvHeads, headDim);
        var (q, k, v) = Data(shape, cuQ[^1], cuK[^1], heads * 100 + headDim);
        float[] expected = new float[q.Length];
        Kernels.Attention.FlashReference(q, k, v, expected, shape, cuQ, cuK, causal);

        int[] blocks = Kernels.Attention.FlashBlocks(cuQ, Threads, heads / kvHeads);
        using var qb = Runtime.Accelerator.Allocate1D(q);
        using var kb = Runtime.Accelerator.Allocate1D(k);
        using var vb = Runtime.Accelerator.Allocate1D(v);
        using var ob = Runtime.Accelerator.Allocate1D<float>(q.Length);
        using var cq = Runtime.Accelerator.Allocate1D(cuQ);
        using var ck = Runtime.Accelerator.Allocate1D(cuK);
        using var bl = Runtime.Accelerator.Allocate1D(blocks);
        ob.MemSetToZero();
        var p = new AttentionParams(heads, kvHeads, headDim, shape.Scale, causal ? 1 : 0);
        Kernels.Attention.LaunchFlash(Runtime, Kernels.Attention.FlashGroups(blocks, kvHeads), qb.View, kb.View, vb.View, ob.View, cq.View, ck.View, bl.View, p, Threads, headDim);
        Numerics.AssertClose(expected, ob.GetAsArray1D(), 0f, Atol, $"Attention.Flash h={heads}/{kvHeads} d={headDim} causal={causal}");
    }

    [Fact]
    public void FlashReferenceRoundsInputsToBf16()
    {
        // One key, one query: the output is v itself, and 1 + 2⁻¹⁰ is not a bf16 (8 significant bits).
        var shape = AttentionShape.Create(1, 1, 16);
        float[] q = new float[16], k = new float[16], v = Enumerable.Repeat(1f + 1f / 1024, 16).ToArray(), o = new float[16];
        Kernels.Attention.FlashReference(q, k, v, o, shape, [0, 1], [0, 1], causal: true);
        Assert.All(o, x => Assert.Equal(1f, x));
    }

    [Fact]
    public void PlanPicksFlashAttentionForPrefillAndVisionOnCuda()
    {
        // The 7B prefill (2,076 tokens, head width 128) and the vision tower's windows (head width 80) take flash
        // attention where tensor cores are on ...
        Assert.Equal(AttentionKernel.Flash, Kernels.Attention.Plan([0, 2076], [0, 2076], 128, IlgpuBackendDecodeMinKeys, tensorCoresAvailable: true));
        Assert.Equal(AttentionKernel.Flash, Kernels.Attention.Plan([0, 112, 224, 8192], [0, 112, 224, 8192], 80, IlgpuBackendDecodeMinKeys, tensorCoresAvailable: true));
        // ... which is the default on CUDA only, and not with PRUNEVID_TENSOR_CORES=0, where the portable tiled kernel stays ...
        Assert.True(IlgpuBackend.TensorCoresByDefault(isCuda: true, environmentSetting: null));
        Assert.False(IlgpuBackend.TensorCoresByDefault(isCuda: true, environmentSetting: "0"));
        Assert.False(IlgpuBackend.TensorCoresByDefault(isCuda: false, environmentSetting: null));
        Assert.Equal(AttentionKernel.Tiled, Kernels.Attention.Plan([0, 2076], [0, 2076], 128, IlgpuBackendDecodeMinKeys, tensorCoresAvailable: false));
        // ... as it does for a head width flash attention is not compiled for, and a decode step keeps its kernels.
        Assert.Equal(AttentionKernel.Tiled, Kernels.Attention.Plan([0, 2076], [0, 2076], 96, IlgpuBackendDecodeMinKeys, tensorCoresAvailable: true));
        Assert.Equal(AttentionKernel.Tiled, Kernels.Attention.Plan([0, 1], [0, 40], 128, IlgpuBackendDecodeMinKeys, tensorCoresAvailable: true));
        Assert.Equal(AttentionKernel.DecodeSplit, Kernels.Attention.Plan([0, 1], [0, 2077], 128, IlgpuBackendDecodeMinKeys, tensorCoresAvailable: true));
    }

    // The backend's threshold for the split decode kernels (two chunks).
    private const int IlgpuBackendDecodeMinKeys = 2 * Kernels.Attention.MaxDecodeChunk;

    [Fact]
    public void BackendRunsFlashAttentionWhenTensorCoresAreOn()
    {
        var shape = AttentionShape.Create(4, 2, 16);
        int[] cuQ = [0, 21, 40], cuK = [0, 30, 49];
        var (q, k, v) = Data(shape, cuQ[^1], cuK[^1], 31);
        float[] bf16 = new float[q.Length], f32 = new float[q.Length];
        Kernels.Attention.FlashReference(q, k, v, bf16, shape, cuQ, cuK, causal: true);
        Kernels.Attention.Reference(q, k, v, f32, shape, cuQ, cuK, causal: true);

        using var backend = new IlgpuBackend(Runtime) { TensorCores = true };
        float[] flash = RunBackend(backend, shape, q, k, v, cuQ, cuK);
        Numerics.AssertClose(bf16, flash, 0f, Atol, "backend attention with tensor cores");
        // It took the bf16 path: its error against the f32 result is far above f32 rounding.
        Assert.True(flash.Zip(f32, (a, b) => MathF.Abs(a - b)).Max() > 1e-4f, "the tensor-core attention matched f32 to f32 rounding");

        backend.TensorCores = false;
        Numerics.AssertClose(f32, RunBackend(backend, shape, q, k, v, cuQ, cuK), 1e-5f, 2e-6f, "backend attention without tensor cores");
    }

    private static float[] RunBackend(IlgpuBackend backend, AttentionShape shape, float[] q, float[] k, float[] v, int[] cuQ, int[] cuK)
    {
        int qw = shape.Heads * shape.HeadDim, kw = shape.KvHeads * shape.HeadDim;
        using Tensor tq = backend.FromF32(q, q.Length / qw, qw), tk = backend.FromF32(k, k.Length / kw, kw), tv = backend.FromF32(v, v.Length / kw, kw);
        using Tensor to = backend.Allocate(DType.F32, q.Length / qw, qw);
        backend.Attention(tq, tk, tv, to, shape, cuQ, cuK, causal: true);
        float[] result = new float[q.Length];
        backend.CopyToHost(to, result);
        return result;
    }

    // Queries in [−2, 2] make the softmax peaked enough that the running maximum changes between key steps.
    private static (float[] Q, float[] K, float[] V) Data(AttentionShape shape, int rowsQ, int rowsK, int seed)
        => (Numerics.Uniform(seed, rowsQ * shape.Heads * shape.HeadDim, -2f, 2f),
            Numerics.Uniform(seed + 1, rowsK * shape.KvHeads * shape.HeadDim, -1f, 1f),
            Numerics.Uniform(seed + 2, rowsK * shape.KvHeads * shape.HeadDim, -1f, 1f));
}
