// PruneVid.NET — the decode GEMV over weights at every offset within a cache line, against MatMul's reference.
using System.Runtime.InteropServices;
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;

namespace PruneVid.Kernels.Tests.MatMul;

/// <summary>
/// The GEMV loads each cache line of a row once and rebuilds the row's own 64-byte windows with a permute when every
/// row of a group starts a whole number of 32-bit words past a line; otherwise it loads the windows directly. A mapped
/// checkpoint puts tensors at any even byte offset, so every offset is checked, with K where rows share an offset
/// (2048, 2080), where they do not (1000, 40), and of one vector step (32): each result matches the reference, and
/// is bit for bit the one at offset 0, since a lane always sums the same elements of its row.
/// </summary>
public sealed unsafe class CpuGemvAlignmentTests
{
    private const int N = 9; // two groups of four rows and a single row

    [Theory]
    [InlineData(2048)]
    [InlineData(2080)]
    [InlineData(1000)]
    [InlineData(40)]
    [InlineData(32)]
    public void Bf16WeightsAtEveryOffsetInALineGiveTheReference(int k)
    {
        using var cpu = new CpuBackend();
        ushort[] words = Numerics.UniformBf16(k, N * k, -1f, 1f);
        byte* block = (byte*)NativeMemory.AlignedAlloc((nuint)(N * k * 2 + 128), 64);
        try
        {
            var atZero = new Dictionary<int, float[]>();
            for (int offset = 0; offset < 64; offset += 2)
            {
                ushort* at = (ushort*)(block + offset);
                words.AsSpan().CopyTo(new Span<ushort>(at, words.Length));
                using Tensor w = cpu.FromHostBf16((nint)at, words.Length, [N, k]);
                for (int m = 1; m <= 3; m += 2)
                {
                    float[] x = Numerics.Uniform(m, m * k), expected = new float[m * N];
                    Kernels.MatMul.Reference(x, words, default, expected, m, N, k);
                    using Tensor tx = cpu.FromF32(x, m, k), y = cpu.Allocate(DType.F32, m, N);
                    cpu.MatMul(tx, w, null, y);
                    float[] got = Download(cpu, y);
                    Numerics.AssertClose(expected, got, 1e-5f, 2e-5f * MathF.Sqrt(k), $"offset {offset} B, M={m}, K={k}");
                    if (offset == 0) atZero[m] = got;
                    else Assert.True(atZero[m].AsSpan().SequenceEqual(got), $"offset {offset} B, M={m}, K={k}: not the bits of offset 0");
                }
            }
        }
        finally
        {
            NativeMemory.AlignedFree(block);
        }
    }

    [Fact]
    public void OnePassOverWeightsAtDifferentOffsetsGivesEachItsReference()
    {
        // q, k and v at three different offsets (three splits of x), then two at the same offset (one shared split).
        const int k = 2048;
        int[] ns = [12, 8, 5];
        foreach (int[] offsets in new[] { new[] { 24, 0, 50 }, new[] { 24, 24, 2 } })
        {
            using var cpu = new CpuBackend();
            float[] x = Numerics.Uniform(3, k);
            var blocks = new List<nint>();
            try
            {
                var projections = new Projection[ns.Length];
                var expected = new float[ns.Length][];
                for (int p = 0; p < ns.Length; p++)
                {
                    ushort[] words = Numerics.UniformBf16(p + 40, ns[p] * k, -1f, 1f);
                    byte* block = (byte*)NativeMemory.AlignedAlloc((nuint)(words.Length * 2 + 64), 64);
                    blocks.Add((nint)block);
                    ushort* at = (ushort*)(block + offsets[p]);
                    words.AsSpan().CopyTo(new Span<ushort>(at, words.Length));
                    expected[p] = new float[ns[p]];
                    Kernels.MatMul.Reference(x, words, default, expected[p], 1, ns[p], k);
                    projections[p] = new Projection(cpu.FromHostBf16((nint)at, words.Length, [ns[p], k]), null, cpu.Allocate(DType.F32, 1, ns[p]));
                }
                cpu.Project(cpu.FromF32(x, 1, k), projections);
                for (int p = 0; p < ns.Length; p++)
                    Numerics.AssertClose(expected[p], Download(cpu, projections[p].Output), 1e-5f, 2e-5f * MathF.Sqrt(k), $"projection {p} at offset {offsets[p]} B of [{string.Join(',', offsets)}]");
            }
            finally
            {
                foreach (nint b in blocks) NativeMemory.AlignedFree((void*)b);
            }
        }
    }

    private static float[] Download(CpuBackend cpu, Tensor t)
    {
        var values = new float[t.Length];
        cpu.CopyToHost(t, values);
        return values;
    }
}
