// PruneVid.NET — checkpoint loading: giving back the mapped pages of a tensor once a copy of it has been made.
using System.Runtime.InteropServices;

namespace PruneVid.Runtime.Checkpoint;

/// <summary>
/// Drops a range of a read-only file mapping from this process's resident set (Linux <c>madvise(MADV_DONTNEED)</c>).
/// A tensor quantized or widened at load is read once; without this its pages stay mapped and resident next to the
/// copy, so peak RSS would count the checkpoint's bytes twice. The mapping is of an unmodified file, so a later read of
/// the range (a neighbouring tensor sharing a page, say) simply faults the pages back in from the page cache. Elsewhere,
/// or where the call is refused, nothing happens.
/// </summary>
internal static partial class MappedPages
{
    private const int MadvDontNeed = 4;

    /// <summary>Releases the whole pages overlapping [<paramref name="address"/>, + <paramref name="length"/>).</summary>
    public static void Release(nint address, long length)
    {
        if (!OperatingSystem.IsLinux() || length <= 0 || IntPtr.Size != 8) return;
        long page = Environment.SystemPageSize;
        long start = (long)address & ~(page - 1), end = ((long)address + length + page - 1) & ~(page - 1);
        try
        {
            _ = Madvise((nint)start, (nuint)(end - start), MadvDontNeed);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // no libc madvise: the pages stay until the kernel evicts them
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int Madvise(nint address, nuint length, int advice);
}
