// PruneVid.NET — ILGPU backend.
using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using PruneVid.Compute;

namespace PruneVid.Kernels.Ilgpu;

/// <summary>
/// <see cref="IComputeBackend"/> on an ILGPU accelerator (CUDA, or ILGPU's CPU accelerator in tests). Every op is
/// queued on <see cref="KernelRuntime.Stream"/>; only downloads and <see cref="Synchronize"/> wait. This file holds
/// the memory members; each op family lives in its own partial file (IlgpuBackend.Norm.cs, …).
/// </summary>
public sealed partial class IlgpuBackend : IComputeBackend
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
    public string Name => Runtime.IsCuda ? "ilgpu-cuda" : "ilgpu-cpu";

    private Accelerator Accelerator => Runtime.Accelerator;

    private AcceleratorStream Stream => Runtime.Stream;

    // ---- memory -------------------------------------------------------------------------------------------

    /// <inheritdoc />
    public Tensor Allocate(DType dtype, params int[] shape)
    {
        IlgpuTensor tensor = Create(dtype, shape);
        if (tensor.Length > 0)
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
    public Tensor FromF32(ReadOnlySpan<float> data, params int[] shape)
    {
        IlgpuTensor tensor = Create(DType.F32, shape);
        CheckLength(data.Length, tensor, nameof(data));
        if (data.Length > 0) tensor.RawF32.CopyFromCPU(Stream, data);
        return tensor;
    }

    /// <inheritdoc />
    public Tensor FromBf16(ReadOnlySpan<ushort> data, params int[] shape)
    {
        IlgpuTensor tensor = Create(DType.BF16, shape);
        CheckLength(data.Length, tensor, nameof(data));
        if (data.Length > 0) tensor.RawBf16.CopyFromCPU(Stream, data);
        return tensor;
    }

    /// <summary>
    /// Uploads <paramref name="count"/> bf16 words straight from host memory (e.g. a memory-mapped checkpoint) into a
    /// new tensor, without a managed copy and without the 2^31 limit of a span. The memory must stay readable until
    /// this call returns.
    /// </summary>
    public unsafe Tensor FromBf16(nint pointer, long count, params int[] shape)
    {
        if (pointer == 0 && count > 0) throw new ArgumentNullException(nameof(pointer), "FromBf16: null host pointer");
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        IlgpuTensor tensor = Create(DType.BF16, shape);
        CheckLength(count, tensor, nameof(count));
        if (count > 0) tensor.RawBf16.CopyFromCPU(Stream, ref Unsafe.AsRef<ushort>((void*)pointer), count);
        return tensor;
    }

    /// <inheritdoc />
    public Tensor FromI32(ReadOnlySpan<int> data, params int[] shape)
    {
        IlgpuTensor tensor = Create(DType.I32, shape);
        CheckLength(data.Length, tensor, nameof(data));
        if (data.Length > 0) tensor.RawI32.CopyFromCPU(Stream, data);
        return tensor;
    }

    /// <inheritdoc />
    public void CopyToHost(Tensor source, Span<float> destination)
    {
        IlgpuTensor s = Own(source, nameof(source));
        if (destination.Length < s.Length)
            throw new ArgumentException($"CopyToHost: destination holds {destination.Length} elements, {s} has {s.Length}", nameof(destination));
        if (s.Length == 0) return;
        Span<float> target = destination[..(int)s.Length];
        switch (s.DType)
        {
            case DType.F32:
                s.RawF32.CopyToCPU(Stream, target);
                break;
            case DType.BF16:
                // Widen on the host: the download is half the bytes, and the bf16 reference is exact.
                var words = new ushort[s.Length];
                s.RawBf16.CopyToCPU(Stream, words.AsSpan());
                Bf16Convert.Reference(words, target);
                break;
            default:
                throw new ArgumentException($"CopyToHost(float): {s} is I32; use the Span<int> overload", nameof(source));
        }
    }

    /// <inheritdoc />
    public void CopyToHost(Tensor source, Span<int> destination)
    {
        IlgpuTensor s = Own(source, nameof(source));
        if (s.DType != DType.I32) throw new ArgumentException($"CopyToHost(int): {s} is not I32", nameof(source));
        if (destination.Length < s.Length)
            throw new ArgumentException($"CopyToHost: destination holds {destination.Length} elements, {s} has {s.Length}", nameof(destination));
        if (s.Length > 0) s.RawI32.CopyToCPU(Stream, destination[..(int)s.Length]);
    }

    /// <inheritdoc />
    public void Copy(Tensor source, Tensor destination)
    {
        IlgpuTensor s = Own(source, nameof(source)), d = Own(destination, nameof(destination));
        if (s.DType != d.DType || s.Length != d.Length)
            throw new ArgumentException($"Copy: {s} and {d} differ in dtype or length", nameof(destination));
        if (s.Length == 0) return;
        switch (s.DType)
        {
            case DType.F32: s.RawF32.CopyTo(Stream, d.RawF32); break;
            case DType.BF16: s.RawBf16.CopyTo(Stream, d.RawBf16); break;
            default: s.RawI32.CopyTo(Stream, d.RawI32); break;
        }
    }

    /// <inheritdoc />
    public Tensor Reshape(Tensor source, params int[] shape)
    {
        IlgpuTensor s = Own(source, nameof(source));
        ArgumentNullException.ThrowIfNull(shape);
        long length = LengthOf(shape);
        if (length != s.Length)
            throw new ArgumentException($"Reshape: [{string.Join(",", shape)}] holds {length} elements, {s} holds {s.Length}", nameof(shape));
        return s.View(shape, 0, length);
    }

    /// <inheritdoc />
    public Tensor SliceRows(Tensor source, int start, int count)
    {
        IlgpuTensor s = Own(source, nameof(source));
        if (s.Shape.Length == 0) throw new ArgumentException($"SliceRows: {s} is a scalar", nameof(source));
        if (start < 0 || count < 0 || start > s.Rows - count)
            throw new ArgumentOutOfRangeException(nameof(start), $"SliceRows: rows [{start}, {start}+{count}) are outside {s} ({s.Rows} rows)");
        int[] shape = (int[])s.Shape.Clone();
        shape[0] = count;
        return s.View(shape, (long)start * s.RowLength, (long)count * s.RowLength);
    }

    /// <inheritdoc />
    public void Synchronize() => Runtime.Synchronize();

    /// <inheritdoc />
    public void Dispose()
    {
        DisposeAttentionTables();
        if (_ownsRuntime) Runtime.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Runtime.Name})";

    // ---- helpers ------------------------------------------------------------------------------------------

    /// <summary><paramref name="tensor"/> as an <see cref="IlgpuTensor"/> of this backend, or a clear error.</summary>
    internal IlgpuTensor Own(Tensor tensor, string parameter)
    {
        ArgumentNullException.ThrowIfNull(tensor, parameter);
        if (tensor is not IlgpuTensor own || !ReferenceEquals(own.Backend, this))
            throw new ArgumentException($"{tensor} belongs to backend {tensor.Backend.Name}, not to this {Name} backend", parameter);
        return own;
    }

    private IlgpuTensor Create(DType dtype, int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long length = LengthOf(shape);
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

    private static long LengthOf(int[] shape)
    {
        long length = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentOutOfRangeException(nameof(shape), $"negative dimension in shape [{string.Join(",", shape)}]");
            length *= d;
        }
        return length;
    }

    private static void CheckLength(long count, IlgpuTensor tensor, string parameter)
    {
        if (count != tensor.Length)
        {
            tensor.Dispose();
            throw new ArgumentException($"{count} elements given for shape [{string.Join(",", tensor.Shape)}] ({tensor.Length} elements)", parameter);
        }
    }
}
