// PruneVid.NET — checkpoint loading: a read-only file mapping placed so the kernel can use 2 MB pages (Linux).
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace PruneVid.Runtime.Checkpoint;

/// <summary>
/// Maps a whole file read-only at a 2 MB-aligned address and asks for transparent huge pages (<c>MADV_HUGEPAGE</c>).
/// Decode streams every weight once per token, and on Linux a checkpoint mapped with 4 KB pages is read from
/// the page cache in small, scattered folios. Mapped this way, pages faulted in are read in 2 MB folios and mapped
/// with one entry each, which streams markedly faster (docs/cpu-backend.md, "Weight pages"). Where any step is
/// refused (another OS, huge pages disabled, an odd filesystem) <see cref="TryMap"/> returns null and the caller maps
/// the file the portable way; a refused <c>madvise</c> alone keeps the mapping with ordinary pages.
/// </summary>
internal sealed unsafe partial class HugePageFileMapping : IDisposable
{
    private const long HugePage = 2L << 20;
    private const int ProtNone = 0, ProtRead = 1;
    private const int MapShared = 0x01, MapPrivate = 0x02, MapFixed = 0x10, MapAnonymous = 0x20, MapNoReserve = 0x4000;
    private const int MadvHugePage = 14;

    private byte* _base;
    private readonly nuint _length;

    private HugePageFileMapping(byte* basePointer, nuint length, bool hugePages)
    {
        _base = basePointer;
        _length = length;
        HugePagesRequested = hugePages;
    }

    /// <summary>The file's first byte, 2 MB aligned.</summary>
    public byte* Base => _base;

    /// <summary>True when the kernel accepted <c>MADV_HUGEPAGE</c> for the mapping.</summary>
    public bool HugePagesRequested { get; }

    /// <summary>Maps <paramref name="length"/> bytes of the open file, or returns null where this is not possible.</summary>
    public static HugePageFileMapping? TryMap(SafeFileHandle file, long length)
    {
        if (!OperatingSystem.IsLinux() || length <= 0 || IntPtr.Size != 8) return null;
        bool added = false;
        try
        {
            file.DangerousAddRef(ref added);
            int fd = (int)file.DangerousGetHandle();
            // Reserve 2 MB more address space than needed, place the file at its first 2 MB boundary, and give back
            // the reservation on either side.
            nuint size = (nuint)length, reserved = size + (nuint)HugePage;
            nint reservation = Mmap(0, reserved, ProtNone, MapPrivate | MapAnonymous | MapNoReserve, -1, 0);
            if (reservation == -1) return null;
            nint aligned = (nint)(((long)reservation + HugePage - 1) & ~(HugePage - 1));
            nint mapped = Mmap(aligned, size, ProtRead, MapShared | MapFixed, fd, 0);
            if (mapped != aligned)
            {
                Munmap(reservation, reserved);
                return null;
            }
            nint end = aligned + (nint)RoundUpToPage(size), reservationEnd = reservation + (nint)reserved;
            if (aligned > reservation) Munmap(reservation, (nuint)(aligned - reservation));
            if (reservationEnd > end) Munmap(end, (nuint)(reservationEnd - end));
            bool huge = Madvise(aligned, size, MadvHugePage) == 0;
            return new HugePageFileMapping((byte*)aligned, size, huge);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
        finally
        {
            if (added) file.DangerousRelease();
        }
    }

    private static nuint RoundUpToPage(nuint size)
    {
        nuint page = (nuint)Environment.SystemPageSize;
        return (size + page - 1) / page * page;
    }

    /// <summary>Unmaps the file; every pointer into it becomes invalid.</summary>
    public void Dispose()
    {
        if (_base == null) return;
        Munmap((nint)_base, _length);
        _base = null;
    }

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int Munmap(nint address, nuint length);

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int Madvise(nint address, nuint length, int advice);
}
