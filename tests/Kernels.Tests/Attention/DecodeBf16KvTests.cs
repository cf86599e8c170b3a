// PruneVid.NET — kernel tests: decode attention over a bf16 KV cache.
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Kernels.Tests.Accelerators;

namespace PruneVid.Kernels.Tests.Attention;

/// <summary>
/// The split-key decode kernel over bf16 keys and values (<see cref="Kernels.Attention.DecodeSplitBf16Kernel"/> +
/// <see cref="Kernels.Attention.DecodeCombineKernel"/>) against <see cref="Kernels.Attention.ReferenceBf16Kv"/> at odd
/// cache lengths, several splits and GQA; and the backends' Attention over bf16 K/V, decode and prefill.
/// </summary>
public abstract class DecodeBf16KvTests(AcceleratorFixture fixture)
{
    // Same bf16 operands widened exactly; the f32 softmax sums in another order (chunks, then their merge).
    private const float Rtol = 1e-5f, Atol = 2e-5f;

    private KernelRuntime Runtime => fixture.Runtime;

    public static TheoryData<int[], int, int, int, int> Cases() => new()
    {
        // key counts per segment (one query each), heads, kv heads, head dim, chunk
        { [37], 2, 2, 16, 256 },          // one chunk
        { [301], 6, 2, 24, 64 },          // 5 uneven chunks, GQA 3:1
        { [1, 130, 0, 77], 4, 1, 8, 32 }, // a one-key segment, an empty one (no query), GQA 4:1, 5 chunks for the longest
    };

    [AcceleratorTheory]
    [MemberData(nameof(Cases))]
    public void SplitDecodeOverBf16KeysMatchesReference(int[] keyCounts, int heads, int kvHeads, int headDim, int chunk)
    {
        var (q, k, v, cuQ, cuK, shape) = Data(keyCounts, heads, kvHeads, headDim);
        float[] expected = new float[q.Length];
        Kernels.Attention.ReferenceBf16Kv(q, k, v, expected, shape, cuQ, cuK, causal: true);

        int segments = keyCounts.Length, splits = (keyCounts.Max() + chunk - 1) / chunk, items = segments * heads;
        using var qb = Runtime.Accelerator.Allocate1D(q);
        using var kb = Runtime.Accelerator.Allocate1D(k);
        using var vb = Runtime.Accelerator.Allocate1D(v);
        using var cuQb = Runtime.Accelerator.Allocate1D(cuQ);
        using var cuKb = Runtime.Accelerator.Allocate1D(cuK);
        using var partial = Runtime.Accelerator.Allocate1D<float>((long)items * splits * Kernels.Attention.DecodePartialWidth(headDim));
        using var ob = Runtime.Accelerator.Allocate1D<float>(q.Length);
        var p = new AttentionParams(heads, kvHeads, headDim, shape.Scale, 1);
        foreach (int threads in KernelRegistry.Find("Attention.DecodeSplitBf16")!.Tunables["threads"].Where(t => t <= Runtime.Accelerator.MaxNumThreadsPerGroup))
        {
            ob.MemSetToZero();
            Kernels.Attention.LaunchDecodeSplitBf16(Runtime, items * splits, qb.View, kb.View, vb.View, partial.View, cuQb.View, cuKb.View, p, chunk, splits, threads);
            Kernels.Attention.LaunchDecodeCombine(Runtime, items * headDim, partial.View, ob.View, cuQb.View, p, splits);
            Numerics.AssertClose(expected, ob.GetAsArray1D(), Rtol, Atol, $"DecodeSplitBf16 keys [{string.Join(",", keyCounts)}] chunk={chunk} threads={threads}");
        }
    }

    [AcceleratorTheory]
    [InlineData(false)] // a decode step: the bf16 split kernels
    [InlineData(true)]  // prefill: widened into f32, then the f32 kernels
    public void BackendAttentionOverBf16KeysMatchesReference(bool prefill)
    {
        using var ilgpu = new IlgpuBackend(Runtime);
        using var cpu = new CpuBackend();
        int[] keyCounts = [45, 600]; // the second past the f32 path's split threshold
        var (q, k, v, cuQ, cuK, shape) = Data(keyCounts, 4, 2, 16, queriesPerSegment: prefill ? 5 : 1);
        float[] expected = new float[q.Length];
        Kernels.Attention.ReferenceBf16Kv(q, k, v, expected, shape, cuQ, cuK, causal: true);
        foreach (ComputeBackend b in new ComputeBackend[] { ilgpu, cpu })
        {
            using Tensor qt = b.FromF32(q, cuQ[^1], shape.Heads * shape.HeadDim), kt = b.FromBf16(k, cuK[^1], shape.KvHeads * shape.HeadDim),
                vt = b.FromBf16(v, cuK[^1], shape.KvHeads * shape.HeadDim), ot = b.Allocate(DType.F32, cuQ[^1], shape.Heads * shape.HeadDim);
            b.Attention(qt, kt, vt, ot, shape, cuQ, cuK, causal: true);
            var actual = new float[q.Length];
            b.CopyToHost(ot, actual);
            Numerics.AssertClose(expected, actual, Rtol, Atol, $"{b.GetType().Name} bf16 K/V prefill={prefill}");
        }
        using Tensor f32Keys = cpu.Allocate(DType.F32, 2, 32), bf16Values = cpu.Allocate(DType.BF16, 2, 32), query = cpu.Allocate(DType.F32, 1, 64), o = cpu.Allocate(DType.F32, 1, 64);
        Assert.Contains("v must be F32", Assert.Throws<ArgumentException>(() => cpu.Attention(query, f32Keys, bf16Values, o, shape, [0, 1], [0, 2], true)).Message);
    }

    /// <summary>Segments with <paramref name="queriesPerSegment"/> queries (none where a segment has no keys), bf16 K/V.</summary>
    private static (float[] Q, ushort[] K, ushort[] V, int[] CuQ, int[] CuK, AttentionShape Shape) Data(int[] keyCounts, int heads, int kvHeads,
        int headDim, int queriesPerSegment = 1)
    {
        int[] cuQ = new int[keyCounts.Length + 1], cuK = new int[keyCounts.Length + 1];
        for (int s = 0; s < keyCounts.Length; s++)
        {
            cuK[s + 1] = cuK[s] + keyCounts[s];
            cuQ[s + 1] = cuQ[s] + Math.Min(queriesPerSegment, keyCounts[s]);
        }
        float[] q = Numerics.Uniform(1, cuQ[^1] * heads * headDim);
        ushort[] k = Numerics.UniformBf16(2, cuK[^1] * kvHeads * headDim, -1.5f, 1.5f), v = Numerics.UniformBf16(3, cuK[^1] * kvHeads * headDim, -1.5f, 1.5f);
        return (q, k, v, cuQ, cuK, AttentionShape.Create(heads, kvHeads, headDim));
    }
}

/// <summary>Decode attention over bf16 K/V on ILGPU's CPU accelerator.</summary>
public sealed class DecodeBf16KvTestsCpu(CpuAcceleratorFixture fixture) : DecodeBf16KvTests(fixture), IClassFixture<CpuAcceleratorFixture>;

/// <summary>Decode attention over bf16 K/V on a CUDA GPU (discovered only where one exists).</summary>
[RequiresCuda]
public sealed class DecodeBf16KvTestsCuda(CudaAcceleratorFixture fixture) : DecodeBf16KvTests(fixture), IClassFixture<CudaAcceleratorFixture>;
