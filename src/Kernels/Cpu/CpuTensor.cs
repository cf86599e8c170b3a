// PruneVid.NET — Cpu backend.
using PruneVid.Compute;

namespace PruneVid.Kernels.Cpu;

/// <summary>
/// A tensor in host memory: a managed array (float[], ushort[] or int[]), or — for BF16 weights — memory the tensor
/// does not own (a memory-mapped checkpoint, used in place), in both cases possibly a window into a larger block.
/// A view (<see cref="Tensor.IsView"/>) shares its source's storage (see <see cref="Tensor"/>, "Owners and views").
/// </summary>
public sealed unsafe class CpuTensor : Tensor
{
    private readonly void* _native;

    internal CpuTensor(CpuBackend backend, DType dtype, int[] shape, Array storage, long offset, bool isView = false)
        : base(backend, dtype, shape, isView)
    {
        long capacity = storage.LongLength - offset;
        if (offset < 0 || Length > capacity)
            throw new ArgumentException($"storage of {storage.LongLength} elements cannot hold {Length} elements at offset {offset}");
        Storage = storage;
        Offset = offset;
    }

    /// <summary>A BF16 tensor over host words at <paramref name="native"/> that <paramref name="owner"/> keeps valid.</summary>
    internal CpuTensor(CpuBackend backend, int[] shape, void* native, long offset, object? owner, bool isView = false)
        : base(backend, DType.BF16, shape, isView)
    {
        if (Length > int.MaxValue) throw new ArgumentException($"{this}: a Cpu tensor holds at most 2^31 − 1 elements");
        _native = native;
        Offset = offset;
        Owner = owner;
    }

    /// <summary>The backing array (shared with views); null for a tensor over host memory it does not own.</summary>
    public Array? Storage { get; }

    /// <summary>True when the words live outside the managed heap (a mapped checkpoint).</summary>
    public bool IsExternal => Storage is null;

    /// <summary>What keeps external memory valid (e.g. the open checkpoint); held so it outlives the tensor.</summary>
    internal object? Owner { get; }

    /// <summary>Index of this tensor's first element in its storage.</summary>
    public long Offset { get; }

    /// <summary>The elements as f32 (F32 tensors only).</summary>
    public Span<float> F32 => DType == DType.F32
        ? ((float[])Storage!).AsSpan(checked((int)Offset), checked((int)Length))
        : throw new InvalidOperationException($"{this} is not F32");

    /// <summary>The raw bf16 words (BF16 tensors only). External words are read-only by contract: weights are never written.</summary>
    public Span<ushort> Bf16 => DType != DType.BF16
        ? throw new InvalidOperationException($"{this} is not BF16")
        : Storage is null
            ? new Span<ushort>((ushort*)_native + Offset, checked((int)Length))
            : ((ushort[])Storage).AsSpan(checked((int)Offset), checked((int)Length));

    /// <summary>The elements as i32 (I32 tensors only).</summary>
    public Span<int> I32 => DType == DType.I32
        ? ((int[])Storage!).AsSpan(checked((int)Offset), checked((int)Length))
        : throw new InvalidOperationException($"{this} is not I32");

    /// <summary>The same storage seen with another shape from element <paramref name="offset"/> of this tensor.</summary>
    internal CpuTensor View(int[] shape, long offset) => Storage is null
        ? new CpuTensor((CpuBackend)Backend, shape, _native, Offset + offset, Owner, isView: true) { Name = Name }
        : new CpuTensor((CpuBackend)Backend, DType, shape, Storage, Offset + offset, isView: true) { Name = Name };
}
