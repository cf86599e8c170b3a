// PruneVid.NET — Cpu backend.
using PruneVid.Compute;

namespace PruneVid.Kernels.Cpu;

/// <summary>A tensor stored in a managed array (float[], ushort[] or int[]), possibly a window into a larger one.</summary>
public sealed class CpuTensor : Tensor
{
    internal CpuTensor(CpuBackend backend, DType dtype, int[] shape, Array storage, long offset)
        : base(backend, dtype, shape)
    {
        long capacity = storage.LongLength - offset;
        if (offset < 0 || Length > capacity)
            throw new ArgumentException($"storage of {storage.LongLength} elements cannot hold {Length} elements at offset {offset}");
        Storage = storage;
        Offset = offset;
    }

    /// <summary>The backing array (shared with views).</summary>
    public Array Storage { get; }

    /// <summary>Index of this tensor's first element in <see cref="Storage"/>.</summary>
    public long Offset { get; }

    /// <summary>The elements as f32 (F32 tensors only).</summary>
    public Span<float> F32 => DType == DType.F32
        ? ((float[])Storage).AsSpan(checked((int)Offset), checked((int)Length))
        : throw new InvalidOperationException($"{this} is not F32");

    /// <summary>The raw bf16 words (BF16 tensors only).</summary>
    public Span<ushort> Bf16 => DType == DType.BF16
        ? ((ushort[])Storage).AsSpan(checked((int)Offset), checked((int)Length))
        : throw new InvalidOperationException($"{this} is not BF16");

    /// <summary>The elements as i32 (I32 tensors only).</summary>
    public Span<int> I32 => DType == DType.I32
        ? ((int[])Storage).AsSpan(checked((int)Offset), checked((int)Length))
        : throw new InvalidOperationException($"{this} is not I32");

    /// <summary>The f32 array and offset, for code that hands rows to Parallel.For.</summary>
    internal (float[] Array, int Offset) F32Array => DType == DType.F32
        ? ((float[])Storage, checked((int)Offset))
        : throw new InvalidOperationException($"{this} is not F32");
}
