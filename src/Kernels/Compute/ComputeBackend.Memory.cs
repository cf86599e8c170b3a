// PruneVid.NET — device layer: validated memory members.
namespace PruneVid.Compute;

public abstract partial class ComputeBackend
{
    /// <summary>A new zero-filled tensor.</summary>
    public Tensor Allocate(DType dtype, params int[] shape)
    {
        if (dtype is not (DType.F32 or DType.BF16 or DType.I32)) throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Allocate: unknown dtype");
        return AllocateCore(dtype, (int[])shape.Clone(), ElementCount(shape, "Allocate"));
    }

    /// <summary>Copies host f32 data into a new tensor.</summary>
    public Tensor FromF32(ReadOnlySpan<float> data, params int[] shape)
    {
        CheckCount(data.Length, shape, "FromF32");
        return FromF32Core(data, (int[])shape.Clone());
    }

    /// <summary>Copies host bf16 words into a new tensor.</summary>
    public Tensor FromBf16(ReadOnlySpan<ushort> data, params int[] shape)
    {
        CheckCount(data.Length, shape, "FromBf16");
        return FromBf16Core(data, (int[])shape.Clone());
    }

    /// <summary>
    /// A BF16 tensor over <paramref name="count"/> words of host memory that stays valid and unchanged for the
    /// tensor's lifetime (a memory-mapped checkpoint): the Cpu backend uses the memory in place (no copy), an
    /// accelerator copies it into device memory before returning. <paramref name="owner"/> is kept alive by the tensor.
    /// </summary>
    public Tensor FromHostBf16(nint pointer, long count, int[] shape, object? owner = null)
    {
        if (pointer == 0 && count > 0) throw new ArgumentNullException(nameof(pointer), "FromHostBf16: null host pointer");
        CheckCount(count, shape, "FromHostBf16");
        return FromHostBf16Core(pointer, (int[])shape.Clone(), owner);
    }

    /// <summary>
    /// A BF16 tensor over an array the caller hands over and no longer changes (in-memory checkpoint words): the Cpu
    /// backend uses the array in place (no copy, no allocation counted), an accelerator copies it into device memory.
    /// </summary>
    public Tensor FromHostBf16(ushort[] words, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(words);
        CheckCount(words.Length, shape, "FromHostBf16");
        return FromHostBf16Core(words, (int[])shape.Clone());
    }

    /// <summary>Copies host i32 data into a new tensor.</summary>
    public Tensor FromI32(ReadOnlySpan<int> data, params int[] shape)
    {
        CheckCount(data.Length, shape, "FromI32");
        return FromI32Core(data, (int[])shape.Clone());
    }

    /// <summary>Copies host f32 data into an existing F32 tensor of exactly that length (no allocation).</summary>
    public void CopyFromHost(ReadOnlySpan<float> source, Tensor destination)
    {
        Require(destination, DType.F32, "CopyFromHost", nameof(destination));
        CheckSource(source.Length, destination);
        if (source.Length > 0) CopyFromHostCore(source, destination);
    }

    /// <summary>Copies host i32 data into an existing I32 tensor of exactly that length (no allocation).</summary>
    public void CopyFromHost(ReadOnlySpan<int> source, Tensor destination)
    {
        Require(destination, DType.I32, "CopyFromHost", nameof(destination));
        CheckSource(source.Length, destination);
        if (source.Length > 0) CopyFromHostCore(source, destination);
    }

    /// <summary>Copies an F32 or BF16 tensor to the host as f32 (waits for queued work).</summary>
    public void CopyToHost(Tensor source, Span<float> destination)
    {
        Own(source, "CopyToHost", nameof(source));
        if (source.DType == DType.I32) throw new ArgumentException($"CopyToHost: {source} is I32; use the Span<int> overload", nameof(source));
        CheckDestination(destination.Length, source);
        if (source.Length > 0) CopyToHostCore(source, destination[..(int)source.Length]);
    }

    /// <summary>Copies an I32 tensor to the host (waits for queued work).</summary>
    public void CopyToHost(Tensor source, Span<int> destination)
    {
        Require(source, DType.I32, "CopyToHost", nameof(source));
        CheckDestination(destination.Length, source);
        if (source.Length > 0) CopyToHostCore(source, destination[..(int)source.Length]);
    }

    /// <summary>Copies <paramref name="source"/> into <paramref name="destination"/> (same dtype and length).</summary>
    public void Copy(Tensor source, Tensor destination)
    {
        Own(source, "Copy", nameof(source));
        Own(destination, "Copy", nameof(destination));
        if (source.DType != destination.DType || source.Length != destination.Length)
            throw new ArgumentException($"Copy: {source} and {destination} differ in dtype or length", nameof(destination));
        if (source.Length > 0) CopyCore(source, destination);
    }

    /// <summary>A tensor sharing storage with <paramref name="source"/>, viewed with another shape of equal length.</summary>
    public Tensor Reshape(Tensor source, params int[] shape)
    {
        Own(source, "Reshape", nameof(source));
        long length = ElementCount(shape, "Reshape");
        if (length != source.Length)
            throw new ArgumentException($"Reshape: [{string.Join(",", shape)}] holds {length} elements, {source} holds {source.Length}", nameof(shape));
        return ViewCore(source, (int[])shape.Clone(), 0);
    }

    /// <summary>A tensor sharing storage with rows [<paramref name="start"/>, start+count) of <paramref name="source"/>.</summary>
    public Tensor SliceRows(Tensor source, int start, int count)
    {
        Own(source, "SliceRows", nameof(source));
        if (source.Shape.Length == 0) throw new ArgumentException($"SliceRows: {source} is a scalar", nameof(source));
        if (start < 0 || count < 0 || start > source.Rows - count)
            throw new ArgumentOutOfRangeException(nameof(start), $"SliceRows: rows [{start}, {start}+{count}) are outside {source} ({source.Rows} rows)");
        int[] shape = (int[])source.Shape.Clone();
        shape[0] = count;
        return ViewCore(source, shape, (long)start * source.RowLength);
    }

    /// <summary>A new zero-filled tensor of <paramref name="length"/> elements.</summary>
    private protected abstract Tensor AllocateCore(DType dtype, int[] shape, long length);

    /// <summary>A new tensor holding a copy of <paramref name="data"/> (length already checked).</summary>
    private protected abstract Tensor FromF32Core(ReadOnlySpan<float> data, int[] shape);

    /// <summary>A new tensor holding a copy of <paramref name="data"/> (length already checked).</summary>
    private protected abstract Tensor FromBf16Core(ReadOnlySpan<ushort> data, int[] shape);

    /// <summary>See <see cref="FromHostBf16(nint, long, int[], object)"/> (count already checked against the shape).</summary>
    private protected abstract Tensor FromHostBf16Core(nint pointer, int[] shape, object? owner);

    /// <summary>See <see cref="FromHostBf16(ushort[], int[])"/> (length already checked against the shape).</summary>
    private protected abstract Tensor FromHostBf16Core(ushort[] words, int[] shape);

    /// <summary>A new tensor holding a copy of <paramref name="data"/> (length already checked).</summary>
    private protected abstract Tensor FromI32Core(ReadOnlySpan<int> data, int[] shape);

    /// <summary>Copies host values into a non-empty F32 tensor of exactly their length.</summary>
    private protected abstract void CopyFromHostCore(ReadOnlySpan<float> source, Tensor destination);

    /// <summary>Copies host values into a non-empty I32 tensor of exactly their length.</summary>
    private protected abstract void CopyFromHostCore(ReadOnlySpan<int> source, Tensor destination);

    /// <summary>Copies an F32 or BF16 tensor (non-empty) into a destination of exactly its length, waiting for queued work.</summary>
    private protected abstract void CopyToHostCore(Tensor source, Span<float> destination);

    /// <summary>Copies an I32 tensor (non-empty) into a destination of exactly its length, waiting for queued work.</summary>
    private protected abstract void CopyToHostCore(Tensor source, Span<int> destination);

    /// <summary>Copies between two non-empty tensors of equal dtype and length.</summary>
    private protected abstract void CopyCore(Tensor source, Tensor destination);

    /// <summary>A view of <paramref name="source"/>'s storage from element <paramref name="offset"/> with <paramref name="shape"/> (in range).</summary>
    private protected abstract Tensor ViewCore(Tensor source, int[] shape, long offset);

    private static void CheckCount(long count, int[] shape, string op)
    {
        long length = ElementCount(shape, op);
        if (count != length)
            throw new ArgumentException($"{op}: {count} elements given for shape [{string.Join(",", shape)}] ({length} elements)", nameof(shape));
    }

    private static void CheckSource(int source, Tensor destination)
    {
        if (source != destination.Length)
            throw new ArgumentException($"CopyFromHost: {source} values given for {destination} ({destination.Length} elements)", nameof(source));
    }

    private static void CheckDestination(int destination, Tensor source)
    {
        if (destination < source.Length)
            throw new ArgumentException($"CopyToHost: destination holds {destination} elements, {source} has {source.Length}", nameof(destination));
    }
}
