// PruneVid.NET — checkpoint loading.
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PruneVid.Runtime.Checkpoint;

/// <summary>
/// One weight: dtype, shape and its bytes, either behind a pointer into a mapped file (zero-copy, valid while the
/// owning source is open) or in a managed array (models built in memory).
/// </summary>
public sealed unsafe class WeightTensor
{
    private readonly byte* _pointer;
    private readonly Array? _array;

    private WeightTensor(string name, SafeTensorDType dtype, int[] shape, byte* pointer, Array? array, long byteLength)
    {
        Name = name;
        DType = dtype;
        Shape = shape;
        long count = 1;
        foreach (int d in shape) count *= d;
        ElementCount = count;
        ByteLength = byteLength;
        _pointer = pointer;
        _array = array;
    }

    /// <summary>Canonical name.</summary>
    public string Name { get; }

    /// <summary>Element type as stored.</summary>
    public SafeTensorDType DType { get; }

    /// <summary>Dimensions, outermost first.</summary>
    public int[] Shape { get; }

    /// <summary>Number of elements (long: embeddings of large models exceed int range in bytes).</summary>
    public long ElementCount { get; }

    /// <summary>Size of the data in bytes.</summary>
    public long ByteLength { get; }

    /// <summary>True when the bytes live in a mapped file (see <see cref="Pointer"/>), false for a managed array.</summary>
    public bool IsMapped => _array is null;

    /// <summary>The backing array of an in-memory tensor (null when mapped).</summary>
    public Array? ManagedArray => _array;

    /// <summary>Zero-copy pointer into the mapped file; throws for in-memory tensors (use <see cref="Pin"/>).</summary>
    public byte* Pointer => IsMapped ? _pointer : throw new InvalidOperationException($"tensor '{Name}' is in memory, not mapped; use Pin()");

    /// <summary><see cref="Pointer"/> as a native integer.</summary>
    public nint Address => (nint)Pointer;

    /// <summary>A pointer for either storage: a no-op handle for mapped data, a pinned handle for arrays. Dispose it after the copy.</summary>
    public MemoryHandle Pin()
    {
        if (IsMapped) return new MemoryHandle(_pointer);
        GCHandle handle = GCHandle.Alloc(_array!, GCHandleType.Pinned);
        return new MemoryHandle((void*)handle.AddrOfPinnedObject(), handle);
    }

    /// <summary>Raw little-endian bytes; throws for tensors over 2 GiB (use <see cref="Pin"/> with <see cref="ByteLength"/>).</summary>
    public ReadOnlySpan<byte> Bytes => IsMapped
        ? TensorDecoder.Span(Name, _pointer, ByteLength)
        : MemoryMarshal.CreateReadOnlySpan(ref MemoryMarshal.GetArrayDataReference(_array!), (int)ByteLength);

    /// <summary>The bytes reinterpreted as <typeparamref name="T"/> (e.g. <c>ushort</c> for BF16); the element size must match.</summary>
    public ReadOnlySpan<T> AsSpan<T>() where T : unmanaged => Unsafe.SizeOf<T>() == DType.ElementSize
        ? MemoryMarshal.Cast<byte, T>(Bytes)
        : throw new InvalidOperationException($"tensor '{Name}' is {DType} ({DType.ElementSize} B per element), not viewable as {typeof(T).Name}");

    /// <summary>
    /// Once the caller holds its own copy of this tensor (quantized or widened), lets the OS drop the mapped pages from
    /// this process's resident set (<see cref="MappedPages"/>); the tensor stays readable. No-op for in-memory tensors.
    /// </summary>
    public void ReleasePages()
    {
        if (IsMapped) MappedPages.Release((nint)_pointer, ByteLength);
    }

    /// <summary>Raw bf16 words (BF16 as stored, F32 rounded to nearest even).</summary>
    public ushort[] ToBf16Bits() => Decode(TensorDecoder.ToBf16Bits);

    /// <summary>Values as f32 (BF16/F16 exactly, F32 as is).</summary>
    public float[] ToF32() => Decode(TensorDecoder.ToF32);

    private T Decode<T>(TensorDecoder.Decoder<T> decoder)
    {
        using MemoryHandle pin = Pin();
        return decoder(Name, DType, (byte*)pin.Pointer, ElementCount);
    }

    /// <summary>Wraps mapped bytes (the caller guarantees they stay valid and match shape × dtype).</summary>
    public static WeightTensor FromPointer(string name, SafeTensorDType dtype, int[] shape, byte* pointer, long byteLength)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (pointer == null) throw new ArgumentNullException(nameof(pointer));
        CheckLength(name, dtype, shape, byteLength);
        return new WeightTensor(name, dtype, (int[])shape.Clone(), pointer, null, byteLength);
    }

    /// <summary>Wraps a primitive array whose element size may differ from the dtype's (e.g. <c>byte[]</c> holding BF16).</summary>
    public static WeightTensor FromArray(string name, SafeTensorDType dtype, int[] shape, Array data)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        Type? element = data.GetType().GetElementType();
        if (data.Rank != 1 || element is null || !element.IsPrimitive && element != typeof(Half))
            throw new ArgumentException($"tensor '{name}': backing store must be a one-dimensional array of a primitive type", nameof(data));
        CheckLength(name, dtype, shape, Buffer.ByteLength(data));
        return new WeightTensor(name, dtype, (int[])shape.Clone(), null, data, Buffer.ByteLength(data));
    }

    /// <summary>A BF16 tensor from raw words.</summary>
    public static WeightTensor FromBf16(string name, int[] shape, ushort[] bits) => FromArray(name, SafeTensorDType.BF16, shape, bits);

    /// <summary>An F32 tensor.</summary>
    public static WeightTensor FromF32(string name, int[] shape, float[] values) => FromArray(name, SafeTensorDType.F32, shape, values);

    private static void CheckLength(string name, SafeTensorDType dtype, int[] shape, long byteLength)
    {
        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"tensor '{name}': negative dimension in shape [{string.Join(",", shape)}]", nameof(shape));
            count *= d;
        }
        if (count * dtype.ElementSize != byteLength)
            throw new ArgumentException($"tensor '{name}': {byteLength} bytes but shape [{string.Join(",", shape)}] x {dtype} needs {count * dtype.ElementSize}");
    }

    /// <summary>"name DTYPE [d0,d1,…]".</summary>
    public override string ToString() => $"{Name} {DType} [{string.Join(",", Shape)}]";
}
