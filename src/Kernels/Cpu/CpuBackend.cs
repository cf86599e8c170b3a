// PruneVid.NET — Cpu backend.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PruneVid.Compute;

namespace PruneVid.Kernels.Cpu;

/// <summary>
/// The backend that runs on the host: hot ops (matrix multiply, attention, norms, activations) take the fast SIMD
/// implementations kept in their op family's folder (<c>MatMul/CpuGemm</c>, <c>Attention/CpuAttention</c>, …), every other op its kernel family's plain
/// C# reference, which stays the oracle the fast paths and the ILGPU kernels are tested against. Ops run
/// synchronously, so <see cref="Synchronize"/> has nothing to wait for. BF16 weights given as host memory
/// (<see cref="ComputeBackend.FromHostBf16(nint, long, int[], object)"/>, a memory-mapped checkpoint) are used in place, without a copy.
/// </summary>
public sealed partial class CpuBackend : ComputeBackend
{
    /// <inheritdoc />
    public override string Name => "cpu";

    /// <inheritdoc />
    /// <remarks>Counts tensor allocations (host memory here) only: the Cpu backend has no transfers, launches or waits.</remarks>
    public override DeviceCounters Counters { get; } = new();

    /// <inheritdoc />
    private protected override Tensor AllocateCore(DType dtype, int[] shape, long length)
    {
        CheckFits(length, shape);
        Counters.CountAllocation(length * dtype.SizeOf());
        return dtype switch
        {
            DType.F32 => Aligned<float>(dtype, shape, length),
            DType.BF16 => Aligned<ushort>(dtype, shape, length),
            _ => Aligned<int>(dtype, shape, length),
        };
    }

    /// <inheritdoc />
    private protected override Tensor FromF32Core(ReadOnlySpan<float> data, int[] shape) => Filled(DType.F32, shape, data);

    /// <inheritdoc />
    private protected override Tensor FromBf16Core(ReadOnlySpan<ushort> data, int[] shape) => Filled(DType.BF16, shape, data);

    /// <inheritdoc />
    private protected override Tensor FromI32Core(ReadOnlySpan<int> data, int[] shape) => Filled(DType.I32, shape, data);

    /// <summary>A new tensor holding a copy of <paramref name="data"/>, counted as an allocation.</summary>
    private unsafe CpuTensor Filled<T>(DType dtype, int[] shape, ReadOnlySpan<T> data) where T : unmanaged
    {
        Counters.CountAllocation((long)data.Length * sizeof(T));
        CpuTensor t = Aligned<T>(dtype, shape, data.Length);
        data.CopyTo(new Span<T>((T[])t.Storage!, (int)t.Offset, data.Length));
        return t;
    }

    /// <summary>Tensors of at least this many bytes start on a cache line.</summary>
    private const int AlignedBytes = 16 << 10;

    /// <summary>
    /// A zeroed tensor of <paramref name="length"/> elements. From <see cref="AlignedBytes"/> up the array is pinned
    /// (it never moves) and the tensor starts at its first 64-byte boundary, so the kernels' vector loads never
    /// straddle two cache lines (a straddling load costs two; see docs/cpu-backend.md). Smaller tensors stay in the
    /// ordinary heap, where short-lived ones are cheapest.
    /// </summary>
    private unsafe CpuTensor Aligned<T>(DType dtype, int[] shape, long length) where T : unmanaged
    {
        int pad = 64 / sizeof(T);
        if (length * sizeof(T) < AlignedBytes || length + pad > Array.MaxLength) return new CpuTensor(this, dtype, shape, new T[length], 0);
        T[] storage = GC.AllocateArray<T>((int)(length + pad), pinned: true);
        nuint address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(storage));
        long offset = (long)((64 - address % 64) % 64) / sizeof(T);
        return new CpuTensor(this, dtype, shape, storage, offset);
    }

    /// <inheritdoc />
    private protected override void CopyFromHostCore(ReadOnlySpan<float> source, Tensor destination) => source.CopyTo(((CpuTensor)destination).F32);

    /// <inheritdoc />
    private protected override void CopyFromHostCore(ReadOnlySpan<int> source, Tensor destination) => source.CopyTo(((CpuTensor)destination).I32);

    /// <inheritdoc />
    /// <remarks>Zero-copy: the tensor reads the host words in place for as long as it lives.</remarks>
    private protected override unsafe Tensor FromHostBf16Core(nint pointer, int[] shape, object? owner)
    {
        CheckFits(ElementCount(shape, "FromHostBf16"), shape);
        return new CpuTensor(this, shape, (void*)pointer, 0, owner);
    }

    /// <inheritdoc />
    /// <remarks>Zero-copy: the tensor reads the array in place for as long as it lives.</remarks>
    private protected override Tensor FromHostBf16Core(ushort[] words, int[] shape) => new CpuTensor(this, DType.BF16, shape, words, 0);

    /// <inheritdoc />
    private protected override void CopyToHostCore(Tensor source, Span<float> destination)
    {
        var t = (CpuTensor)source;
        if (t.DType == DType.F32) t.F32.CopyTo(destination);
        else Bf16Convert.Reference(t.Bf16, destination);
    }

    /// <inheritdoc />
    private protected override void CopyToHostCore(Tensor source, Span<int> destination) => ((CpuTensor)source).I32.CopyTo(destination);

    /// <inheritdoc />
    private protected override void CopyCore(Tensor source, Tensor destination)
    {
        CpuTensor s = (CpuTensor)source, d = (CpuTensor)destination;
        switch (s.DType)
        {
            case DType.F32: s.F32.CopyTo(d.F32); break;
            case DType.BF16: s.Bf16.CopyTo(d.Bf16); break;
            default: s.I32.CopyTo(d.I32); break;
        }
    }

    /// <inheritdoc />
    private protected override Tensor ViewCore(Tensor source, int[] shape, long offset) => ((CpuTensor)source).View(shape, offset);

    /// <inheritdoc />
    public override void Synchronize() { }

    private static void CheckFits(long length, int[] shape)
    {
        if (length > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(shape), $"[{string.Join(",", shape)}] is too large for one Cpu tensor");
    }
}
