// PruneVid.NET — checkpoint tests: a tensor's mapped pages leave the resident set once its copy is made.
using PruneVid.Runtime.Checkpoint;
using Xunit;

namespace PruneVid.Model.Tests.Checkpoint;

/// <summary>
/// <see cref="WeightTensor.ReleasePages"/> on a mapped checkpoint tensor: the resident size of the mapping, read from
/// /proc/self/smaps (Linux, where the runtime gives pages back), drops from the whole tensor to almost nothing, and
/// the tensor still reads the same bytes afterwards.
/// </summary>
public sealed class MappedPagesTests
{
    [Fact]
    public unsafe void ReleasedTensorPagesLeaveTheResidentSetAndStayReadable()
    {
        if (!OperatingSystem.IsLinux()) return; // elsewhere release is a no-op by design; nothing to observe
        const int elements = 4 << 20; // 8 MB of bf16
        var bits = new ushort[elements];
        for (int i = 0; i < bits.Length; i++) bits[i] = (ushort)(i * 2654435761u >> 16);
        string file = Path.Combine(Path.GetTempPath(), $"prunevid-mapped-pages-{Environment.ProcessId}.safetensors");
        try
        {
            using (FileStream stream = File.Create(file)) new SafeTensorsWriter().AddBf16("w", [elements], bits).WriteTo(stream);
            using SafeTensorsFile mapped = SafeTensorsFile.Open(file);
            byte* pointer = mapped.GetPointer("w");
            WeightTensor tensor = WeightTensor.FromPointer("w", SafeTensorDType.BF16, [elements], pointer, 2L * elements);
            long checksum = Sum(tensor);
            long before = ResidentKilobytes((nint)pointer);
            Assert.True(before >= 8 * 1024 - 8, $"the touched 8 MB tensor should be resident, smaps says {before} kB");

            tensor.ReleasePages();

            long after = ResidentKilobytes((nint)pointer);
            // The release rounds outward to whole pages, so nothing of this one-tensor file need stay; 64 kB leaves room
            // for a page the kernel maps back at once (read-around).
            Assert.True(after <= 64, $"released pages should leave the resident set: {before} kB before, {after} kB after");
            Assert.Equal(checksum, Sum(tensor)); // faulted back in from the file, unchanged
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static long Sum(WeightTensor tensor)
    {
        long sum = 0;
        foreach (ushort v in tensor.AsSpan<ushort>()) sum += v;
        return sum;
    }

    /// <summary>The Rss of the mapping that contains <paramref name="address"/>, in kB.</summary>
    private static long ResidentKilobytes(nint address)
    {
        bool inside = false;
        foreach (string line in File.ReadLines("/proc/self/smaps"))
        {
            int dash = line.IndexOf('-');
            if (dash > 0 && line.IndexOf(' ') > dash && IsHex(line.AsSpan(0, dash)))
            {
                ulong start = Convert.ToUInt64(line[..dash], 16), end = Convert.ToUInt64(line[(dash + 1)..line.IndexOf(' ')], 16);
                inside = (ulong)address >= start && (ulong)address < end;
            }
            else if (inside && line.StartsWith("Rss:", StringComparison.Ordinal))
                return long.Parse(line["Rss:".Length..^"kB".Length].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        throw new InvalidOperationException($"no mapping in /proc/self/smaps contains 0x{address:x}");
    }

    private static bool IsHex(ReadOnlySpan<char> text)
    {
        foreach (char c in text) if (!char.IsAsciiHexDigit(c)) return false;
        return true;
    }
}
