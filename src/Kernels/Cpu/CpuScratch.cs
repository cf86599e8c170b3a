// PruneVid.NET — Cpu backend: a thread's reused, 64-byte aligned scratch buffer for a kernel's task.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PruneVid.Kernels.Cpu;

/// <summary>
/// Scratch memory that a kernel keeps per thread in a <c>[ThreadStatic]</c> field and reuses on every call, so a
/// parallel loop needs no per-call, per-worker allocation. The array lives on the pinned object heap, so a pointer to
/// it stays valid while the field holds it; it is freed with the thread (the pool's threads keep theirs).
/// </summary>
internal static unsafe class CpuScratch
{
    private const int Alignment = 64;

    /// <summary>
    /// At least <paramref name="floats"/> floats, 64-byte aligned, from <paramref name="buffer"/> (the calling kernel's
    /// thread-static field), which is replaced by a larger array when it is too small. The contents are not cleared.
    /// </summary>
    public static float* Floats(ref float[]? buffer, long floats)
    {
        long needed = floats + Alignment / sizeof(float);
        if (buffer is null || buffer.LongLength < needed) buffer = GC.AllocateUninitializedArray<float>(checked((int)needed), pinned: true);
        nint start = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        return (float*)((start + Alignment - 1) & ~(nint)(Alignment - 1));
    }
}
