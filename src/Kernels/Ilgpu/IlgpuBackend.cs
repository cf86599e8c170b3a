// PruneVid.NET — ILGPU backend.
using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using PruneVid.Compute;

namespace PruneVid.Kernels.Ilgpu;

/// <summary>
/// <see cref="ComputeBackend"/> on an ILGPU accelerator (CUDA, or ILGPU's CPU accelerator in tests). Every op is
/// queued on <see cref="KernelRuntime.Stream"/>; only downloads and <see cref="Synchronize"/> wait. This file holds
/// construction, memory and launch helpers; each op family's core lives in that family's folder (src/Kernels/Norm/IlgpuBackend.Norm.cs, …).
/// </summary>
public sealed partial class IlgpuBackend : ComputeBackend
{
    private readonly bool _ownsRuntime;

    /// <summary>A backend on <paramref name="runtime"/>; with <paramref name="ownsRuntime"/> it disposes the runtime too.</summary>
    public IlgpuBackend(KernelRuntime runtime, bool ownsRuntime = false)
    {
        Runtime = runtime ?? throw new ArgumentNullException(nameof(runtime));
        _ownsRuntime = ownsRuntime;
    }

    /// <summary>The accelerator, its stream and the loaded kernels.</summary>
    public KernelRuntime Runtime { get; }

    /// <inheritdoc />
    public override string Name => Runtime.IsCuda ? "ilgpu-cuda" : "ilgpu-cpu";

    /// <inheritdoc />
    /// <remarks>The runtime's counters: launches are counted by the generated launchers, the rest here.</remarks>
    public override DeviceCounters Counters => Runtime.Counters;

    private Accelerator Accelerator => Runtime.Accelerator;

    private AcceleratorStream Stream => Runtime.Stream;

    // ---- memory -------------------------------------------------------------------------------------------

    /// <inheritdoc />
    private protected override Tensor AllocateCore(DType dtype, int[] shape, long length)
    {
        IlgpuTensor tensor = Create(dtype, shape, length);
        if (length > 0)
        {
            switch (dtype)
            {
                case DType.F32: tensor.RawF32.MemSetToZero(Stream); break;
                case DType.BF16: tensor.RawBf16.MemSetToZero(Stream); break;
                default: tensor.RawI32.MemSetToZero(Stream); break;
            }
        }
        return tensor;
    }

    /// <inheritdoc />
    private protected override Tensor FromF32Core(ReadOnlySpan<float> data, int[] shape)
    {
        IlgpuTensor tensor = Create(DType.F32, shape, data.Length);
        if (data.Length > 0) Upload(tensor.RawF32, data);
        return tensor;
    }

    /// <inheritdoc />
    private protected override Tensor FromBf16Core(ReadOnlySpan<ushort> data, int[] shape)
    {
        IlgpuTensor tensor = Create(DType.BF16, shape, data.Length);
        if (data.Length > 0) Upload(tensor.RawBf16, data);
        return tensor;
    }

    /// <inheritdoc />
    /// <remarks>
    /// The words go through page-locked chunks of <see cref="StagingChunkBytes"/> (one counted upload each) and are in
    /// device memory before this returns, so the host memory may go away after.
    /// </remarks>
    private protected override unsafe Tensor FromHostBf16Core(nint pointer, int[] shape, object? owner)
    {
        long count = ElementCount(shape, "FromHostBf16");
        IlgpuTensor tensor = Create(DType.BF16, shape, count);
        if (count > 0) UploadStaged((ushort*)pointer, tensor.RawBf16);
        GC.KeepAlive(owner);
        return tensor;
    }

    /// <inheritdoc />
    /// <remarks>Copied into device memory like <see cref="ComputeBackend.FromBf16"/>.</remarks>
    private protected override Tensor FromHostBf16Core(ushort[] words, int[] shape) => FromBf16Core(words, shape);

    /// <inheritdoc />
    private protected override Tensor FromI32Core(ReadOnlySpan<int> data, int[] shape)
    {
        IlgpuTensor tensor = Create(DType.I32, shape, data.Length);
        if (data.Length > 0) Upload(tensor.RawI32, data);
        return tensor;
    }

    /// <inheritdoc />
    private protected override void CopyFromHostCore(ReadOnlySpan<float> source, Tensor destination) => Upload(((IlgpuTensor)destination).RawF32, source);

    /// <inheritdoc />
    private protected override void CopyFromHostCore(ReadOnlySpan<int> source, Tensor destination) => Upload(((IlgpuTensor)destination).RawI32, source);

    /// <inheritdoc />
    private protected override void CopyToHostCore(Tensor source, Span<float> destination)
    {
        IlgpuTensor s = (IlgpuTensor)source;
        if (s.DType == DType.F32)
        {
            Download(s.RawF32, destination);
            return;
        }
        // Widen on the host: the download is half the bytes, and the bf16 reference is exact.
        var words = new ushort[s.Length];
        Download(s.RawBf16, words.AsSpan());
        Bf16Convert.Reference(words, destination);
    }

    /// <inheritdoc />
    private protected override void CopyToHostCore(Tensor source, Span<int> destination) => Download(((IlgpuTensor)source).RawI32, destination);

    /// <inheritdoc />
    private protected override void CopyCore(Tensor source, Tensor destination)
    {
        IlgpuTensor s = (IlgpuTensor)source, d = (IlgpuTensor)destination;
        switch (s.DType)
        {
            case DType.F32: s.RawF32.CopyTo(Stream, d.RawF32); break;
            case DType.BF16: s.RawBf16.CopyTo(Stream, d.RawBf16); break;
            default: s.RawI32.CopyTo(Stream, d.RawI32); break;
        }
    }

    /// <inheritdoc />
    private protected override Tensor ViewCore(Tensor source, int[] shape, long offset)
        => ((IlgpuTensor)source).View(shape, offset, ElementCount(shape, "View"));

    /// <inheritdoc />
    public override void Synchronize() => Runtime.Synchronize();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (!disposing) return;
        DisposeAttentionTables();
        _gemvScratch?.Dispose();
        DisposeBf16KvScratch();
        DisposeStaging();
        if (_ownsRuntime) Runtime.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Runtime.Name})";

    // ---- helpers ------------------------------------------------------------------------------------------

    /// <summary>A counted host→device copy into <paramref name="destination"/> (same length).</summary>
    internal void Upload<T>(ArrayView1D<T, Stride1D.Dense> destination, ReadOnlySpan<T> source) where T : unmanaged
    {
        destination.CopyFromCPU(Stream, source);
        Counters.CountUpload((long)source.Length * Unsafe.SizeOf<T>());
    }

    /// <summary>A counted device→host copy of <paramref name="source"/> (waits for queued work).</summary>
    internal void Download<T>(ArrayView1D<T, Stride1D.Dense> source, Span<T> destination) where T : unmanaged
    {
        source.CopyToCPU(Stream, destination);
        Counters.CountDownload((long)destination.Length * Unsafe.SizeOf<T>());
    }

    /// <summary>A counted device allocation for backend-internal scratch.</summary>
    internal MemoryBuffer1D<T, Stride1D.Dense> AllocateScratch<T>(long length) where T : unmanaged
    {
        MemoryBuffer1D<T, Stride1D.Dense> buffer = Accelerator.Allocate1D<T>(length);
        Counters.CountAllocation(length * Unsafe.SizeOf<T>());
        return buffer;
    }

    private IlgpuTensor Create(DType dtype, int[] shape, long length)
    {
        MemoryBuffer? buffer = null;
        ArrayView1D<float, Stride1D.Dense> f32 = default;
        ArrayView1D<ushort, Stride1D.Dense> bf16 = default;
        ArrayView1D<int, Stride1D.Dense> i32 = default;
        try
        {
            switch (dtype)
            {
                case DType.F32:
                    MemoryBuffer1D<float, Stride1D.Dense> f = Accelerator.Allocate1D<float>(length);
                    (buffer, f32) = (f, f.View);
                    break;
                case DType.BF16:
                    MemoryBuffer1D<ushort, Stride1D.Dense> b = Accelerator.Allocate1D<ushort>(length);
                    (buffer, bf16) = (b, b.View);
                    break;
                case DType.I32:
                    MemoryBuffer1D<int, Stride1D.Dense> i = Accelerator.Allocate1D<int>(length);
                    (buffer, i32) = (i, i.View);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype");
            }
        }
        catch (Exception e) when (e is OutOfMemoryException or AcceleratorException)
        {
            throw OutOfMemory(dtype, shape, length, e);
        }
        Counters.CountAllocation(length * dtype.SizeOf());
        return new IlgpuTensor(this, dtype, shape, buffer, f32, bf16, i32);
    }

    private InvalidOperationException OutOfMemory(DType dtype, int[] shape, long length, Exception cause)
    {
        long bytes = length * dtype.SizeOf();
        string free = "free memory unknown";
        if (Accelerator is CudaAccelerator cuda)
        {
            try
            {
                free = $"{Gib(cuda.GetFreeMemory())} free of {Gib(cuda.MemorySize)}";
            }
            catch (Exception e) when (e is AcceleratorException or InvalidOperationException)
            {
                // Keep the original error; the free amount is only a hint.
            }
        }
        return new InvalidOperationException(
            $"{Name}: cannot allocate {dtype}[{string.Join(",", shape)}] = {bytes:N0} bytes ({Gib(bytes)}) on {Runtime.Name}; {free}. ({cause.Message})", cause);
    }

    private static string Gib(long bytes) => $"{bytes / (1024.0 * 1024 * 1024):F2} GiB";

    /// <summary>
    /// The largest power of two ≤ <paramref name="wanted"/> that the accelerator allows per group, and at least 16
    /// (every tunable list starts there; ILGPU's CPU accelerator allows exactly 16).
    /// </summary>
    private int GroupSize(int wanted)
    {
        int limit = Math.Min(wanted, Accelerator.MaxNumThreadsPerGroup);
        int size = 16;
        while (size * 2 <= limit) size *= 2;
        return size;
    }
}
