// PruneVid.NET — Cpu backend: arrays for the weights decode streams once per token, placed for 2 MB pages.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PruneVid.Kernels.Cpu;

/// <summary>
/// A pinned byte array whose used window starts on a 2 MB boundary, with that window advised for transparent huge
/// pages (Linux <c>MADV_HUGEPAGE</c>) before anything is written to it. Decode reads every weight once per token; with
/// 4 KB pages that is a TLB miss every 4 KB (under a hypervisor, a two-level page walk each), and in the 3B int8 decode
/// codes held this way ran about 8 % faster than in ordinary arrays (docs/cpu-backend.md, "Weight pages").
/// </summary>
/// <remarks>
/// Only windows of at least one huge page are placed this way; smaller ones start on a 64-byte line. Of the up to
/// 2 MB in front of the window only the array's header is written, so the rest never becomes resident. The window's own
/// last, partial huge page is not advised, so a huge page never extends past the window (the rest of the array, or
/// other objects). Where <c>madvise</c> is missing or refused, the array is the same and simply uses ordinary pages.
/// The array is managed memory: it lives, and is freed, like any other.
/// </remarks>
internal static unsafe partial class HugePageArray
{
    /// <summary>Bytes of a transparent huge page on x86-64 and most arm64 kernels.</summary>
    public const int HugePage = 2 << 20;

    private const int CacheLine = 64;
    private const int MadvHugePage = 14;

    /// <summary>
    /// An array holding at least <paramref name="length"/> bytes from <paramref name="start"/> on, with
    /// <paramref name="start"/> on a 2 MB boundary (a 64-byte one for windows under 2 MB). Its contents are not cleared.
    /// </summary>
    public static byte[] Allocate(int length, out int start)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        int alignment = length >= HugePage ? HugePage : CacheLine;
        byte[] array = GC.AllocateUninitializedArray<byte>(checked(length + alignment), pinned: true);
        nuint address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        start = (int)(((nuint)alignment - address % (nuint)alignment) % (nuint)alignment);
        if (alignment == HugePage) Advise((byte*)address + start, length / HugePage * (long)HugePage);
        return array;
    }

    /// <summary>Asks for huge pages on [<paramref name="window"/>, + <paramref name="bytes"/>), a whole number of them.</summary>
    private static void Advise(byte* window, long bytes)
    {
        if (!OperatingSystem.IsLinux() || IntPtr.Size != 8 || bytes <= 0) return;
        try
        {
            _ = Madvise((nint)window, (nuint)bytes, MadvHugePage); // refused: ordinary pages, same results
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // no libc madvise: ordinary pages
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int Madvise(nint address, nuint length, int advice);
}
