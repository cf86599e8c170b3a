// PruneVid.NET — the Cpu backend's large tensors start on a cache line and keep the values they were given.
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;

namespace PruneVid.Kernels.Tests.Cpu;

public sealed unsafe class CpuTensorAlignmentTests
{
    private readonly CpuBackend _cpu = new();

    [Theory]
    [InlineData(8192)]       // 16 KB of bf16: the smallest aligned size
    [InlineData(1_000_003)]  // odd length
    public void LargeTensorsStartOnA64ByteBoundaryZeroedOrWithTheirData(int length)
    {
        float[] values = Numerics.Uniform(length, length);
        ushort[] words = Numerics.UniformBf16(length, length);
        int[] ids = Enumerable.Range(0, length).ToArray();
        var tensors = new (Tensor Tensor, string What)[]
        {
            (_cpu.Allocate(DType.F32, length), "Allocate f32"), (_cpu.Allocate(DType.BF16, length), "Allocate bf16"),
            (_cpu.Allocate(DType.I32, length), "Allocate i32"), (_cpu.FromF32(values, length), "FromF32"),
            (_cpu.FromBf16(words, length), "FromBf16"), (_cpu.FromI32(ids, length), "FromI32"),
        };
        foreach (var (tensor, what) in tensors)
        {
            var t = (CpuTensor)tensor;
            nuint address = t.DType switch
            {
                DType.F32 => Address(t.F32),
                DType.BF16 => Address(t.Bf16),
                _ => Address(t.I32),
            };
            Assert.True(address % 64 == 0, $"{what}: first element at {address % 64} bytes past a line");
            Assert.Equal(length, t.DType == DType.F32 ? t.F32.Length : t.DType == DType.BF16 ? t.Bf16.Length : t.I32.Length);
        }
        Assert.Equal(new float[length], ((CpuTensor)tensors[0].Tensor).F32.ToArray());
        Assert.Equal(values, ((CpuTensor)tensors[3].Tensor).F32.ToArray());
        Assert.Equal(words, ((CpuTensor)tensors[4].Tensor).Bf16.ToArray());
        Assert.Equal(ids, ((CpuTensor)tensors[5].Tensor).I32.ToArray());
        foreach (var (tensor, _) in tensors) tensor.Dispose();
    }

    [Fact]
    public void AViewOfAnAlignedTensorSeesTheRightElements()
    {
        float[] values = Numerics.Uniform(5, 8192);
        using Tensor t = _cpu.FromF32(values, 64, 128);
        float[] row = new float[128];
        _cpu.CopyToHost(_cpu.SliceRows(t, 3, 1), row);
        Assert.Equal(values.AsSpan(3 * 128, 128).ToArray(), row);
    }

    private static nuint Address<T>(Span<T> span) where T : unmanaged
    {
        fixed (T* p = span) return (nuint)p;
    }
}
