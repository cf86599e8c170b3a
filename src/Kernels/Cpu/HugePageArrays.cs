// PruneVid.NET — Cpu backend: large arrays that the kernel may back with 2 MB pages (Linux transparent huge pages).
using System.Runtime.InteropServices;

namespace PruneVid.Kernels.Cpu;

/// <summary>
/// Allocates a large byte array on the pinned heap and, before anything touches it, asks Linux for transparent huge
/// pages over its 2 MB-aligned interior (<c>madvise(MADV_HUGEPAGE)</c>). Decode streams every packed weight once per
/// token; with 4 KB pages that is a TLB miss every 64 cache lines, with 2 MB pages one per 32,768, and the packed
/// kernels read markedly faster (docs/cpu-backend.md, "Weight pages"). Elsewhere, or where the advice is refused,
/// the array simply has ordinary pages. Pinned because the advice belongs to an address range that must not move.
/// </summary>
internal static unsafe partial class HugePageArrays
{
    private const long HugePage = 2L << 20;
    private const int MadvHugePage = 14;

    /// <summary>A new array of <paramref name="length"/> bytes (contents unspecified until written).</summary>
    public static byte[] Allocate(long length)
    {
        byte[] array = GC.AllocateUninitializedArray<byte>(checked((int)length), pinned: true);
        if (!OperatingSystem.IsLinux() || length < 2 * HugePage) return array;
        fixed (byte* p = array)
        {
            long start = ((long)p + HugePage - 1) & ~(HugePage - 1), end = ((long)p + length) & ~(HugePage - 1);
            try
            {
                if (end > start) _ = Madvise((nint)start, (nuint)(end - start), MadvHugePage); // refused: ordinary pages
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                // no libc madvise: ordinary pages
            }
        }
        return array;
    }

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int Madvise(nint address, nuint length, int advice);
}
