// PruneVid.NET — arrays for streamed weights: where their window starts, and that Linux was asked for huge pages.
using System.Globalization;
using PruneVid.Kernels.Cpu;

namespace PruneVid.Kernels.Tests.Cpu;

/// <summary>
/// <see cref="HugePageArray.Allocate"/> must give a window of the asked length inside the array, starting on a 2 MB
/// boundary from 2 MB up and on a 64-byte line below; and on Linux with transparent huge pages, the mapping holding a
/// large window must carry the kernel's huge-page advice (<c>hg</c> in <c>/proc/self/smaps</c>), a small one need not.
/// </summary>
public sealed unsafe class HugePageArrayTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4_099)]
    [InlineData(HugePageArray.HugePage - 1)]
    [InlineData(HugePageArray.HugePage)]
    [InlineData(5 * HugePageArray.HugePage + 7)]
    public void TheWindowFitsAndStartsOnItsBoundary(int length)
    {
        byte[] array = HugePageArray.Allocate(length, out int start);
        Assert.True(start >= 0 && start + (long)length <= array.Length, $"window [{start}, +{length}) outside an array of {array.Length}");
        nuint address = Address(array, start);
        int alignment = length >= HugePageArray.HugePage ? HugePageArray.HugePage : 64;
        Assert.True(address % (nuint)alignment == 0, $"a window of {length} bytes starts {address % (nuint)alignment} bytes past a {alignment}-byte boundary");
        // every byte of the window is ours to write and read back
        array.AsSpan(start, length).Fill(0x5A);
        Assert.True(array.AsSpan(start, length).IndexOfAnyExcept((byte)0x5A) < 0);
    }

    [Fact]
    public void ALargeWindowIsAdvisedForHugePagesOnLinux()
    {
        if (!OperatingSystem.IsLinux() || !Directory.Exists("/sys/kernel/mm/transparent_hugepage"))
            return; // nothing to advise: the array is an ordinary one (checked above)
        byte[] large = HugePageArray.Allocate(3 * HugePageArray.HugePage, out int start);
        Assert.Contains("hg", VmFlags(Address(large, start)));
        Assert.Contains("hg", VmFlags(Address(large, start) + 2 * HugePageArray.HugePage));
        GC.KeepAlive(large);
    }

    private static nuint Address(byte[] array, int start)
    {
        fixed (byte* p = array) return (nuint)(p + start);
    }

    /// <summary>The VmFlags of the mapping that holds <paramref name="address"/>, from /proc/self/smaps.</summary>
    private static string[] VmFlags(nuint address)
    {
        bool inside = false;
        foreach (string line in File.ReadLines("/proc/self/smaps"))
        {
            int dash = line.IndexOf('-');
            int space = line.IndexOf(' ');
            if (dash > 0 && space > dash && ulong.TryParse(line.AsSpan(0, dash), NumberStyles.HexNumber, null, out ulong from)
                && ulong.TryParse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.HexNumber, null, out ulong to))
                inside = from <= address && address < to;
            else if (inside && line.StartsWith("VmFlags:", StringComparison.Ordinal))
                return line["VmFlags:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        }
        throw new InvalidOperationException($"no mapping in /proc/self/smaps holds 0x{address:x}");
    }
}
