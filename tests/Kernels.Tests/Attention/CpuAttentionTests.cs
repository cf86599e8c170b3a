// PruneVid.NET — the Cpu backend's blocked attention against Attention.Reference.
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;

namespace PruneVid.Kernels.Tests.Attention;

public sealed class CpuAttentionTests
{
    // Decode (one query over a long cache, several key blocks and a tail), causal prefill with more keys than
    // queries, vision-style windows (many non-causal segments, one empty), and head widths of 1..4 vectors per
    // 64-wide pass (16, 48, 80, 128) plus one the kernel leaves to the reference (20).
    [Theory]
    [InlineData(16, 2, 128, true, new[] { 0, 1 }, new[] { 0, 1001 })]
    [InlineData(28, 4, 128, true, new[] { 0, 1 }, new[] { 0, 130 })]
    [InlineData(4, 2, 48, true, new[] { 0, 37 }, new[] { 0, 100 })]
    [InlineData(2, 1, 16, true, new[] { 0, 70, 70, 75 }, new[] { 0, 70, 70, 139 })]
    [InlineData(4, 4, 80, false, new[] { 0, 64, 128, 128, 150 }, new[] { 0, 64, 128, 128, 150 })]
    [InlineData(3, 3, 20, false, new[] { 0, 9 }, new[] { 0, 9 })]
    public void MatchesTheReference(int heads, int kvHeads, int d, bool causal, int[] cuQ, int[] cuK)
    {
        int rowsQ = cuQ[^1], rowsK = cuK[^1];
        float[] q = Numerics.Uniform(1, rowsQ * heads * d), k = Numerics.Uniform(2, rowsK * kvHeads * d), v = Numerics.Uniform(3, rowsK * kvHeads * d);
        var shape = AttentionShape.Create(heads, kvHeads, d);
        float[] expected = new float[q.Length];
        Kernels.Attention.Reference(q, k, v, expected, shape, cuQ, cuK, causal);

        using var cpu = new CpuBackend();
        using Tensor o = cpu.Allocate(DType.F32, rowsQ, heads * d);
        cpu.Attention(cpu.FromF32(q, rowsQ, heads * d), cpu.FromF32(k, rowsK, kvHeads * d), cpu.FromF32(v, rowsK, kvHeads * d), o, shape, cuQ, cuK, causal);
        float[] got = new float[o.Length];
        cpu.CopyToHost(o, got);
        Numerics.AssertClose(expected, got, 1e-4f, 1e-5f, $"attention {heads}/{kvHeads}x{d} causal={causal}");
    }

    [Fact]
    public void LargeScoresDoNotOverflowTheOnlineSoftmax()
    {
        // Scores near 80 would overflow exp() without the running maximum.
        int d = 16, keys = 200;
        float[] q = Enumerable.Repeat(3f, d).ToArray(), k = Numerics.Uniform(4, keys * d, 0.5f, 2f), v = Numerics.Uniform(5, keys * d);
        var shape = new AttentionShape(1, 1, d, 1f);
        float[] expected = new float[d];
        Kernels.Attention.Reference(q, k, v, expected, shape, [0, 1], [0, keys], true);
        using var cpu = new CpuBackend();
        using Tensor o = cpu.Allocate(DType.F32, 1, d);
        cpu.Attention(cpu.FromF32(q, 1, d), cpu.FromF32(k, keys, d), cpu.FromF32(v, keys, d), o, shape, [0, 1], [0, keys], true);
        float[] got = new float[d];
        cpu.CopyToHost(o, got);
        Assert.All(got, x => Assert.True(float.IsFinite(x)));
        Numerics.AssertClose(expected, got, 1e-4f, 1e-4f, "large scores"); // outputs are cancelling sums of O(1) terms
    }
}
