// PruneVid.NET — kernel tests: embedding lookups from a packed table.
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Kernels.Quantized;

namespace PruneVid.Kernels.Tests.Quantized;

/// <summary>
/// <see cref="ComputeBackend.Embedding"/> with an Int4/Int8 table on both backends against
/// <see cref="QuantizedEmbedding.Reference"/>: every value is one exact (q − z)·s, so the rows must be equal bit for bit,
/// ids outside the vocabulary included (clamped to the first or last row).
/// </summary>
public sealed class QuantizedEmbeddingTests
{
    [Theory]
    [InlineData(4, 11, 70)]
    [InlineData(8, 9, 300)]
    [InlineData(4, 5, 32)]
    public void PackedTablesLookUpTheReferenceRows(int bits, int vocab, int width)
    {
        QuantizedMatrix table = WeightQuantizer.Quantize(Numerics.Uniform(bits + vocab + width, vocab * width, -0.5f, 0.7f), vocab, width, bits);
        int[] ids = [3, 0, vocab - 1, -4, vocab + 2, 3];
        var expected = new float[ids.Length * width];
        QuantizedEmbedding.Reference(table, ids, expected);
        Assert.Equal(table.Dequantize(0, 1), expected[3 * width + 1]); // -4 reads row 0
        using var ilgpu = new IlgpuBackend(KernelRuntime.CreateCpu(), ownsRuntime: true);
        foreach (ComputeBackend backend in new ComputeBackend[] { new CpuBackend(), ilgpu })
        {
            using Tensor t = backend.FromQuantized(table), tid = backend.FromI32(ids, ids.Length);
            using Tensor y = backend.Allocate(DType.F32, ids.Length, width);
            backend.Embedding(t, tid, y);
            var host = new float[ids.Length * width];
            backend.CopyToHost(y, host);
            Assert.Equal(expected, host);
        }
    }
}
