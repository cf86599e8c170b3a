// PruneVid.NET — checkpoint loading tests: the Linux huge-page mapping against the portable one.
using PruneVid.Runtime.Checkpoint;
using Xunit;

namespace PruneVid.Runtime.Tests.Checkpoint;

/// <summary>
/// On Linux a checkpoint is mapped 2 MB aligned with huge pages requested; elsewhere, or if refused, the portable
/// memory-mapped view is used. Both must give every tensor's bytes exactly as written.
/// </summary>
public sealed unsafe class HugePageMappingTests
{
    [Fact]
    public void BothMappingsReadEveryTensorAsWrittenAndLinuxMapsOnA2MBBoundary()
    {
        using var dir = new TempDirectory("prunevid-huge-");
        string path = dir.File("w.safetensors");
        var rng = new Random(5);
        var writer = new SafeTensorsWriter();
        // Several MB, so the data spans 2 MB pages, and odd sizes so tensors start at every kind of offset.
        var expected = new Dictionary<string, ushort[]>();
        foreach (var (name, n) in new[] { ("a", 3), ("b", 1_500_001), ("c", 777), ("d", 2_097_152) })
        {
            ushort[] bits = [.. Enumerable.Range(0, n).Select(_ => (ushort)rng.Next(0, 0x7F80))];
            expected[name] = bits;
            writer.AddBf16(name, [n], bits);
        }
        writer.Save(path);

        using SafeTensorsFile preferred = SafeTensorsFile.Open(path);
        using SafeTensorsFile portable = SafeTensorsFile.Open(path, preferHugePages: false);
        Assert.Equal("portable", portable.MappingKind);
        if (OperatingSystem.IsLinux())
        {
            Assert.NotEqual("portable", preferred.MappingKind);
            nint fileStart = preferred.GetAddress("a") - (nint)preferred.GetInfo("a").DataOffset;
            Assert.Equal(0, fileStart % (2 << 20));
        }
        foreach (var (name, bits) in expected)
        {
            Assert.Equal(bits, preferred.ReadBf16Bits(name));
            Assert.Equal(bits, portable.ReadBf16Bits(name));
        }
    }

    [Fact]
    public void ADisposedHugePageFileRefusesPointersAndCanBeOpenedAgain()
    {
        using var dir = new TempDirectory("prunevid-huge-");
        string path = dir.File("w.safetensors");
        new SafeTensorsWriter().AddF32("x", [4], [1f, 2f, 3f, 4f]).Save(path);
        SafeTensorsFile file = SafeTensorsFile.Open(path);
        file.Dispose();
        file.Dispose(); // twice is harmless
        Assert.Throws<ObjectDisposedException>(() => file.GetAddress("x"));
        using SafeTensorsFile again = SafeTensorsFile.Open(path);
        Assert.Equal(new[] { 1f, 2f, 3f, 4f }, again.ReadF32("x"));
    }
}
