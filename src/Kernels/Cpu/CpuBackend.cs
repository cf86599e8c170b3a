// PruneVid.NET — Cpu backend.
using PruneVid.Compute;

namespace PruneVid.Kernels.Cpu;

/// <summary>
/// The reference backend: every op is the plain C# reference of its kernel family (vectorised with
/// TensorPrimitives, parallel over rows). Used when there is no GPU, and as the oracle for the ILGPU kernels.
/// Ops run synchronously, so <see cref="Synchronize"/> has nothing to wait for.
/// </summary>
public sealed partial class CpuBackend : IComputeBackend
{
    /// <inheritdoc />
    public string Name => "cpu";

    /// <inheritdoc />
    public Tensor Allocate(DType dtype, params int[] shape)
    {
        long length = CheckedLength(shape);
        Array storage = dtype switch
        {
            DType.F32 => new float[length],
            DType.BF16 => new ushort[length],
            DType.I32 => new int[length],
            _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
        };
        return new CpuTensor(this, dtype, shape, storage, 0);
    }

    /// <inheritdoc />
    public Tensor FromF32(ReadOnlySpan<float> data, params int[] shape) => Wrap(DType.F32, shape, data.ToArray());

    /// <inheritdoc />
    public Tensor FromBf16(ReadOnlySpan<ushort> data, params int[] shape) => Wrap(DType.BF16, shape, data.ToArray());

    /// <inheritdoc />
    public Tensor FromI32(ReadOnlySpan<int> data, params int[] shape) => Wrap(DType.I32, shape, data.ToArray());

    /// <summary>Wraps an existing array without copying (the caller hands over ownership).</summary>
    public Tensor Wrap(DType dtype, int[] shape, Array storage)
    {
        long length = CheckedLength(shape);
        if (storage.LongLength != length)
            throw new ArgumentException($"{storage.LongLength} values do not fill shape [{string.Join(",", shape)}] ({length} elements)");
        return new CpuTensor(this, dtype, shape, storage, 0);
    }

    /// <inheritdoc />
    public void CopyToHost(Tensor source, Span<float> destination)
    {
        var t = Own(source);
        CheckLength(destination.Length, t);
        switch (t.DType)
        {
            case DType.F32: t.F32.CopyTo(destination); break;
            case DType.BF16: Bf16.ToSingle(t.Bf16, destination); break;
            default: throw new ArgumentException($"{t} cannot be copied to f32");
        }
    }

    /// <inheritdoc />
    public void CopyToHost(Tensor source, Span<int> destination)
    {
        var t = Own(source);
        CheckLength(destination.Length, t);
        t.I32.CopyTo(destination);
    }

    /// <inheritdoc />
    public void Copy(Tensor source, Tensor destination)
    {
        var s = Own(source);
        var d = Own(destination);
        if (s.DType != d.DType || s.Length != d.Length) throw new ArgumentException($"copy: {s} and {d} differ in dtype or length");
        Array.Copy(s.Storage, s.Offset, d.Storage, d.Offset, s.Length);
    }

    /// <inheritdoc />
    public Tensor Reshape(Tensor source, params int[] shape)
    {
        var s = Own(source);
        if (CheckedLength(shape) != s.Length) throw new ArgumentException($"reshape: {s} cannot be viewed as [{string.Join(",", shape)}]");
        return new CpuTensor(this, s.DType, shape, s.Storage, s.Offset) { Name = s.Name };
    }

    /// <inheritdoc />
    public Tensor SliceRows(Tensor source, int start, int count)
    {
        var s = Own(source);
        if (start < 0 || count < 0 || start + count > s.Rows)
            throw new ArgumentOutOfRangeException(nameof(start), $"rows [{start}, {start + count}) are outside {s}");
        int[] shape = (int[])s.Shape.Clone();
        if (shape.Length == 0) throw new ArgumentException("cannot slice a scalar");
        shape[0] = count;
        return new CpuTensor(this, s.DType, shape, s.Storage, s.Offset + (long)start * s.RowLength) { Name = s.Name };
    }

    /// <inheritdoc />
    public void Synchronize() { }

    /// <inheritdoc />
    public void Dispose() { }

    /// <summary>Casts to a tensor of this backend, with a clear message when it belongs to another.</summary>
    internal CpuTensor Own(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor is CpuTensor t && ReferenceEquals(t.Backend, this)) return t;
        throw new ArgumentException($"{tensor} does not belong to this Cpu backend");
    }

    private static void CheckLength(int destination, Tensor t)
    {
        if (destination < t.Length) throw new ArgumentException($"destination holds {destination} elements, {t} has {t.Length}");
    }

    private static long CheckedLength(int[] shape)
    {
        long length = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentOutOfRangeException(nameof(shape), $"negative dimension in [{string.Join(",", shape)}]");
            length *= d;
        }
        if (length > Array.MaxLength) throw new ArgumentOutOfRangeException(nameof(shape), $"[{string.Join(",", shape)}] is too large for one Cpu tensor");
        return length;
    }
}
