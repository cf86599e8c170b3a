// PruneVid.NET — FromHostBf16: the Cpu backend reads host memory in place, an accelerator copies it once.
using System.Runtime.InteropServices;
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Kernels.Tests.Accelerators;

namespace PruneVid.Kernels.Tests.Cpu;

public sealed unsafe class HostWeightsTests(CpuAcceleratorFixture fixture) : IClassFixture<CpuAcceleratorFixture>
{
    [Fact]
    public void TheCpuBackendUsesHostWordsInPlaceAndAnAcceleratorCopiesThem()
    {
        const int n = 4, k = 40; // K not a multiple of the vector width; the GEMV reads the words through the tensor
        ushort* words = (ushort*)NativeMemory.Alloc(n * k, sizeof(ushort));
        try
        {
            for (int i = 0; i < n * k; i++) words[i] = Bf16.FromSingle(1f);
            using var cpu = new CpuBackend();
            using var ilgpu = new IlgpuBackend(fixture.Runtime);
            Tensor onCpu = cpu.FromHostBf16((nint)words, n * k, [n, k]);
            Tensor onDevice = ilgpu.FromHostBf16((nint)words, n * k, [n, k]);
            Assert.True(((CpuTensor)onCpu).IsExternal);

            for (int i = 0; i < n * k; i++) words[i] = Bf16.FromSingle(2f); // after the upload
            Assert.Equal(Enumerable.Repeat(2f * k, n), Product(cpu, onCpu, k));    // read in place
            Assert.Equal(Enumerable.Repeat(1f * k, n), Product(ilgpu, onDevice, k)); // copied at upload
        }
        finally
        {
            NativeMemory.Free(words);
        }
    }

    [Fact]
    public void AViewOfHostWordsKeepsItsOffset()
    {
        ushort[] data = [.. Enumerable.Range(0, 12).Select(i => Bf16.FromSingle(i))];
        fixed (ushort* p = data)
        {
            using var cpu = new CpuBackend();
            Tensor t = cpu.FromHostBf16((nint)p, 12, [4, 3]);
            float[] row = new float[3];
            cpu.CopyToHost(cpu.SliceRows(t, 2, 1), row);
            Assert.Equal([6f, 7f, 8f], row);
        }
    }

    [Fact]
    public void ACountThatDoesNotFillTheShapeIsRejected()
    {
        using var cpu = new CpuBackend();
        var e = Assert.Throws<ArgumentException>(() => cpu.FromHostBf16(16, 5, [2, 3]));
        Assert.StartsWith("FromHostBf16: 5 elements given for shape [2,3]", e.Message);
    }

    private static float[] Product(ComputeBackend b, Tensor w, int k)
    {
        using Tensor x = b.FromF32(Enumerable.Repeat(1f, k).ToArray(), 1, k), y = b.Allocate(DType.F32, 1, w.Rows);
        b.MatMul(x, w, null, y);
        var result = new float[w.Rows];
        b.CopyToHost(y, result);
        return result;
    }
}
