// PruneVid.NET — kernel tests.
using System.Runtime.InteropServices;
using PruneVid.Compute;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Kernels.Tests.Accelerators;

namespace PruneVid.Kernels.Tests.Ilgpu;

/// <summary>The ILGPU backend's memory members and its RmsNorm/SiluMul ops; run on every accelerator.</summary>
public abstract class IlgpuBackendTests(AcceleratorFixture fixture)
{
    private IlgpuBackend NewBackend() => new(fixture.Runtime);

    [AcceleratorFact]
    public void F32AndI32RoundTrip()
    {
        using IlgpuBackend backend = NewBackend();
        float[] data = Numerics.Uniform(1, 12);
        using Tensor t = backend.FromF32(data, 3, 4);
        Assert.Equal([3, 4], t.Shape);
        Assert.Equal(DType.F32, t.DType);
        float[] back = new float[12];
        backend.CopyToHost(t, back);
        Assert.Equal(data, back);

        int[] ids = [5, -1, 151656, 0];
        using Tensor i = backend.FromI32(ids, 4);
        int[] idsBack = new int[4];
        backend.CopyToHost(i, idsBack);
        Assert.Equal(ids, idsBack);
    }

    [AcceleratorFact]
    public void Bf16DownloadsWidenedExactly()
    {
        using IlgpuBackend backend = NewBackend();
        ushort[] words = [0x3F80, 0xC040, 0x4049, 0x0000, 0x7F80];
        using Tensor t = backend.FromBf16(words, 5);
        float[] back = new float[5];
        backend.CopyToHost(t, back);
        Assert.Equal([1f, -3f, 3.140625f, 0f, float.PositiveInfinity], back);
    }

    [AcceleratorFact]
    public unsafe void Bf16UploadsFromARawPointer()
    {
        using IlgpuBackend backend = NewBackend();
        const int count = 1000;
        ushort* native = (ushort*)NativeMemory.Alloc(count, sizeof(ushort));
        try
        {
            ushort[] words = Numerics.UniformBf16(7, count);
            words.CopyTo(new Span<ushort>(native, count));
            using Tensor t = backend.FromHostBf16((nint)native, (long)count, [10, 100]);
            float[] back = new float[count];
            backend.CopyToHost(t, back);
            Assert.Equal(words.Select(Bf16.ToSingle).ToArray(), back);
        }
        finally
        {
            NativeMemory.Free(native);
        }
    }

    [AcceleratorFact]
    public void AllocateIsZeroFilled()
    {
        using IlgpuBackend backend = NewBackend();
        using Tensor t = backend.Allocate(DType.F32, 4, 33);
        float[] back = Enumerable.Repeat(1f, t.Shape[0] * t.Shape[1]).ToArray();
        backend.CopyToHost(t, back);
        Assert.All(back, v => Assert.Equal(0f, v));
        using Tensor empty = backend.Allocate(DType.I32, 0, 8);
        backend.CopyToHost(empty, Span<int>.Empty);
    }

    [AcceleratorFact]
    public void ReshapeAndSliceShareStorage()
    {
        using IlgpuBackend backend = NewBackend();
        float[] data = Enumerable.Range(0, 12).Select(i => (float)i).ToArray();
        using Tensor t = backend.FromF32(data, 4, 3);
        Tensor reshaped = backend.Reshape(t, 2, 6);
        Tensor slice = backend.SliceRows(t, 1, 2);
        Assert.Equal([2, 3], slice.Shape);

        float[] sliceBack = new float[6];
        backend.CopyToHost(slice, sliceBack);
        Assert.Equal([3f, 4f, 5f, 6f, 7f, 8f], sliceBack);

        // Writing through the slice changes the parent and every other view of it.
        using Tensor source = backend.FromF32([-1f, -2f, -3f, -4f, -5f, -6f], 2, 3);
        backend.Copy(source, slice);
        float[] reshapedBack = new float[12];
        backend.CopyToHost(reshaped, reshapedBack);
        Assert.Equal([0f, 1f, 2f, -1f, -2f, -3f, -4f, -5f, -6f, 9f, 10f, 11f], reshapedBack);
    }

    [AcceleratorFact]
    public void MemoryMembersRejectBadArguments()
    {
        using IlgpuBackend backend = NewBackend();
        Assert.Throws<ArgumentException>(() => backend.FromF32(new float[5], 2, 3));
        using Tensor t = backend.Allocate(DType.F32, 2, 3);
        Assert.Throws<ArgumentException>(() => backend.Reshape(t, 4, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => backend.SliceRows(t, 1, 2));
        Assert.Throws<ArgumentException>(() => backend.CopyToHost(t, new float[5]));
        using Tensor ints = backend.Allocate(DType.I32, 6);
        Assert.Throws<ArgumentException>(() => backend.Copy(t, ints));
        Assert.Throws<ArgumentException>(() => backend.CopyToHost(ints, new float[6]));
        using IlgpuBackend other = NewBackend();
        var foreign = Assert.Throws<ArgumentException>(() => other.Copy(t, t));
        Assert.Contains("backend", foreign.Message);
    }

    [AcceleratorFact]
    public void HugeAllocationFailsWithSizeAndFreeMemory()
    {
        using IlgpuBackend backend = NewBackend();
        // 2^42 f32 = 16 TiB: more than any GPU or this host has.
        var e = Assert.Throws<InvalidOperationException>(() => backend.Allocate(DType.F32, 1 << 21, 1 << 21));
        Assert.Contains("17,592,186,044,416 bytes", e.Message);
        Assert.Contains("free", e.Message);
    }

    [AcceleratorFact]
    public void RmsNormNormalisesTheLastDimension()
    {
        using IlgpuBackend backend = NewBackend();
        const int dim = 80;
        float[] x = Numerics.Uniform(3, 2 * 3 * dim);
        ushort[] w = Numerics.UniformBf16(4, dim);
        float[] expected = new float[x.Length];
        RmsNorm.Reference(x, w, expected, dim, 1e-6f);

        using Tensor xt = backend.FromF32(x, 2, 3, dim), wt = backend.FromBf16(w, dim), yt = backend.Allocate(DType.F32, 2, 3, dim);
        backend.RmsNorm(xt, wt, 1e-6f, yt);
        float[] actual = new float[x.Length];
        backend.CopyToHost(yt, actual);
        Numerics.AssertClose(expected, actual, 2e-6f, 1e-6f, "IlgpuBackend.RmsNorm bf16 weight");

        float[] wf = w.Select(Bf16.ToSingle).ToArray();
        using Tensor wft = backend.FromF32(wf, dim);
        backend.RmsNorm(xt, wft, 1e-6f, xt);
        backend.CopyToHost(xt, actual);
        Numerics.AssertClose(expected, actual, 2e-6f, 1e-6f, "IlgpuBackend.RmsNorm f32 weight, in place");

        using Tensor wrong = backend.FromBf16(new ushort[dim - 1], dim - 1);
        Assert.Throws<ArgumentException>(() => backend.RmsNorm(xt, wrong, 1e-6f, yt));
    }

    [AcceleratorFact]
    public void SiluMulRunsOnASlice()
    {
        using IlgpuBackend backend = NewBackend();
        float[] gate = Numerics.Uniform(5, 40, -6f, 6f), up = Numerics.Uniform(6, 40);
        float[] expected = new float[20];
        SiluMul.Reference(gate.AsSpan(20), up.AsSpan(20), expected);

        using Tensor g = backend.FromF32(gate, 4, 10), u = backend.FromF32(up, 4, 10), y = backend.Allocate(DType.F32, 4, 10);
        backend.SiluMul(backend.SliceRows(g, 2, 2), backend.SliceRows(u, 2, 2), backend.SliceRows(y, 2, 2));
        float[] actual = new float[40];
        backend.CopyToHost(y, actual);
        Assert.All(actual[..20], v => Assert.Equal(0f, v));
        Numerics.AssertClose(expected, actual[20..], 1e-5f, 1e-6f, "IlgpuBackend.SiluMul on rows 2..3");
        Assert.Throws<ArgumentException>(() => backend.SiluMul(g, backend.SliceRows(u, 0, 1), y));
    }
}

/// <summary>The ILGPU backend on ILGPU's CPU accelerator.</summary>
public sealed class IlgpuBackendTestsCpu(CpuAcceleratorFixture fixture) : IlgpuBackendTests(fixture), IClassFixture<CpuAcceleratorFixture>;

/// <summary>The ILGPU backend on a CUDA GPU (discovered only where one exists).</summary>
[RequiresCuda]
public sealed class IlgpuBackendTestsCuda(CudaAcceleratorFixture fixture) : IlgpuBackendTests(fixture), IClassFixture<CudaAcceleratorFixture>;
