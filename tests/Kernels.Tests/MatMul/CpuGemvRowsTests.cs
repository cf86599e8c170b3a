// PruneVid.NET — the decode GEMV over several rows of x: each row gets the bits it gets alone, and the reference.
using System.Runtime.InteropServices;
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;

namespace PruneVid.Kernels.Tests.MatMul;

/// <summary>
/// With two to eight rows of x the bf16 GEMV widens each weight step once for up to four x rows; a batched decode
/// step relies on every row's result being exactly what a call with that row alone gives (one-at-a-time decoding),
/// so each row is compared bit for bit with its own one-row call, and with the reference within f32 tolerance. The
/// shapes cover K with a scalar tail (and K under one vector step), N not a multiple of the four-row group, weights at
/// every kind of offset in a cache line (on a boundary, whole 32-bit words past one, an odd 16-bit word past one),
/// bias, accumulate, and several projections sharing one pass across the cores.
/// </summary>
public sealed unsafe class CpuGemvRowsTests
{
    private static readonly int[] Offsets = [0, 2, 4, 6, 30, 60, 62]; // bytes past a 64-byte line

    [Theory]
    [InlineData(9, 2048)]
    [InlineData(7, 1000)]
    [InlineData(13, 2080)]
    [InlineData(5, 40)]
    [InlineData(4, 32)]
    [InlineData(6, 13)]
    public void EachRowOfSeveralGetsItsOneRowBits(int n, int k)
    {
        using var cpu = new CpuBackend();
        ushort[] words = Numerics.UniformBf16(n + k, n * k, -1f, 1f), biasWords = Numerics.UniformBf16(n, n, -1f, 1f);
        using Tensor bias = cpu.FromBf16(biasWords, n);
        byte* block = (byte*)NativeMemory.AlignedAlloc((nuint)(n * k * 2 + 128), 64);
        try
        {
            foreach (int offset in Offsets)
            {
                ushort* at = (ushort*)(block + offset);
                words.AsSpan().CopyTo(new Span<ushort>(at, words.Length));
                using Tensor w = cpu.FromHostBf16((nint)at, words.Length, [n, k]);
                for (int m = 2; m <= Kernels.MatMul.GemvMaxRows; m++)
                    foreach (bool withBias in new[] { false, true })
                        foreach (bool accumulate in new[] { false, true })
                        {
                            string what = $"offset {offset} B, M={m}, N={n}, K={k}, bias {withBias}, accumulate {accumulate}";
                            float[] x = Numerics.Uniform(m * 31 + k, m * k), y0 = Numerics.Uniform(m + n, m * n, -20f, 20f);
                            float[] expected = accumulate ? (float[])y0.Clone() : new float[m * n];
                            if (accumulate) Kernels.MatMul.ReferenceAccumulate(x, words, withBias ? biasWords : default, expected, m, n, k);
                            else Kernels.MatMul.Reference(x, words, withBias ? biasWords : default, expected, m, n, k);

                            float[] batched = Multiply(cpu, x, w, withBias ? bias : null, y0, m, n, k, accumulate);
                            Numerics.AssertClose(expected, batched, 1e-5f, 2e-5f * MathF.Sqrt(k), what);
                            for (int i = 0; i < m; i++)
                            {
                                float[] alone = Multiply(cpu, x.AsSpan(i * k, k).ToArray(), w, withBias ? bias : null, y0.AsSpan(i * n, n).ToArray(), 1, n, k, accumulate);
                                Assert.True(alone.AsSpan().SequenceEqual(batched.AsSpan(i * n, n)), $"{what}: row {i} differs from its one-row call");
                            }
                        }
            }
        }
        finally
        {
            NativeMemory.AlignedFree(block);
        }
    }

    [Theory]
    [InlineData("1027,2050,5", 97)]   // many chunks shared by the cores, a group cut by each weight's end
    [InlineData("258,34,34", 2049)]   // q/k/v-like, K one past the vector width
    public void EachRowOfASharedProjectionPassGetsItsOneRowBits(string widths, int k)
    {
        using var cpu = new CpuBackend();
        int[] ns = widths.Split(',').Select(int.Parse).ToArray();
        var weights = new Tensor[ns.Length];
        var biases = new Tensor[ns.Length];
        var words = new ushort[ns.Length][];
        var biasWords = new ushort[ns.Length][];
        for (int p = 0; p < ns.Length; p++)
        {
            words[p] = Numerics.UniformBf16(100 * p + ns[p], ns[p] * k, -1f, 1f);
            weights[p] = cpu.FromBf16(words[p], ns[p], k);
            biasWords[p] = Numerics.UniformBf16(100 * p + 1, ns[p], -1f, 1f);
            biases[p] = cpu.FromBf16(biasWords[p], ns[p]);
        }
        for (int m = 2; m <= Kernels.MatMul.GemvMaxRows; m++)
        {
            float[] x = Numerics.Uniform(m + k, m * k);
            float[][] batched = Project(cpu, x, m, k, ns, weights, biases);
            for (int p = 0; p < ns.Length; p++)
            {
                var expected = new float[m * ns[p]];
                Kernels.MatMul.Reference(x, words[p], biasWords[p], expected, m, ns[p], k);
                Numerics.AssertClose(expected, batched[p], 1e-5f, 2e-5f * MathF.Sqrt(k), $"projection {p} M={m} N={ns[p]} K={k}");
            }
            for (int i = 0; i < m; i++)
            {
                float[][] alone = Project(cpu, x.AsSpan(i * k, k).ToArray(), 1, k, ns, weights, biases);
                for (int p = 0; p < ns.Length; p++)
                    Assert.True(alone[p].AsSpan().SequenceEqual(batched[p].AsSpan(i * ns[p], ns[p])), $"projection {p} M={m} K={k}: row {i} differs from its one-row pass");
            }
        }
        foreach (Tensor t in weights.Concat(biases)) t.Dispose();
    }

    private static float[] Multiply(CpuBackend cpu, float[] x, Tensor w, Tensor? bias, float[] y0, int m, int n, int k, bool accumulate)
    {
        using Tensor tx = cpu.FromF32(x, m, k), y = cpu.FromF32(y0, m, n);
        if (accumulate) cpu.MatMulAccumulate(tx, w, bias, y);
        else cpu.MatMul(tx, w, bias, y);
        var values = new float[m * n];
        cpu.CopyToHost(y, values);
        return values;
    }

    private static float[][] Project(CpuBackend cpu, float[] x, int m, int k, int[] ns, Tensor[] weights, Tensor[] biases)
    {
        var projections = new Projection[ns.Length];
        for (int p = 0; p < ns.Length; p++)
            projections[p] = new Projection(weights[p], biases[p], cpu.Allocate(DType.F32, m, ns[p]));
        using Tensor tx = cpu.FromF32(x, m, k);
        cpu.Project(tx, projections);
        var outputs = new float[ns.Length][];
        for (int p = 0; p < ns.Length; p++)
        {
            outputs[p] = new float[m * ns[p]];
            cpu.CopyToHost(projections[p].Output, outputs[p]);
            projections[p].Output.Dispose();
        }
        return outputs;
    }
}
