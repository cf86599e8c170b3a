// PruneVid.NET — checkpoint loading tests.
using System.Buffers.Binary;
using System.Text;
using PruneVid.Runtime.Checkpoint;
using Xunit;
using Xunit.Abstractions;

namespace PruneVid.Runtime.Tests.Checkpoint;

/// <summary>
/// Bad files must fail with <see cref="SafeTensorsFormatException"/> naming the file and the problem — never another
/// exception, a crash, a hang or a huge allocation. Hand-written faults, every truncation, and seeded random mutations.
/// </summary>
public sealed class SafeTensorsCorruptionTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new("prunevid-corrupt-", inMemory: true);
    private int _fileCounter;

    public void Dispose() => _dir.Dispose();

    /// <summary>A valid little file: a few dtypes, a scalar, metadata.</summary>
    private static byte[] ValidFile()
    {
        var writer = new SafeTensorsWriter();
        writer.Metadata["format"] = "pt";
        writer.AddBf16("a.weight", [2, 3], [0x3F80, 0x4000, 0x4040, 0x4080, 0x40A0, 0x40C0]);
        writer.AddF32("b.bias", [3], [1f, 2f, 3f]);
        writer.AddI64("c.ids", [2], [5, 7]);
        writer.Add("d.mask", SafeTensorDType.BOOL, [4], new byte[] { 1, 0, 0, 1 });
        writer.AddF32("e.scalar", [], [0.5f]);
        return writer.ToArray();
    }

    /// <summary>8-byte length + header text + data, with the length field given explicitly (or the header's own).</summary>
    private static byte[] RawFile(string header, int dataBytes, ulong? lengthField = null)
    {
        byte[] headerBytes = Encoding.UTF8.GetBytes(header);
        var file = new byte[8 + headerBytes.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(file, lengthField ?? (ulong)headerBytes.Length);
        headerBytes.CopyTo(file, 8);
        return file;
    }

    /// <summary>Writes a case file. The bulk tests reuse one path: creating files is the slow part on a busy disk.</summary>
    private string Write(byte[] bytes, bool reuse = false)
    {
        string path = _dir.File(reuse ? "scratch.safetensors" : $"f{_fileCounter++}.safetensors");
        using var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read);
        stream.SetLength(0);
        stream.Write(bytes);
        return path;
    }

    private SafeTensorsFormatException Rejects(byte[] bytes, string expectedProblem)
    {
        string path = Write(bytes);
        var e = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Open(path).Dispose());
        Assert.Equal(path, e.FilePath);
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains(expectedProblem, e.Problem);
        return e;
    }

    [Fact]
    public void ValidBaseFileOpens()
    {
        using SafeTensorsFile file = SafeTensorsFile.Open(Write(ValidFile()));
        Assert.Equal(5, file.Tensors.Count);
        Assert.Equal(new[] { 5L, 7L }, file.ReadI64("c.ids"));
    }

    [Fact]
    public void EveryTruncationIsRejected()
    {
        byte[] valid = ValidFile();
        for (int length = 0; length < valid.Length; length++)
        {
            string path = Write(valid[..length], reuse: true);
            var e = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Open(path).Dispose());
            Assert.Equal(path, e.FilePath);
        }
    }

    [Theory]
    [InlineData("""{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 8, null)] // control: valid
    [InlineData("not json at all", 0, "header is not valid JSON")]
    [InlineData("""{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}""", 8, "header is not valid JSON")]
    [InlineData("""{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}} trailing""", 8, "header is not valid JSON")]
    [InlineData("""[1,2,3]""", 0, "expected an object")]
    [InlineData("""{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"u":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 12, "overlapping data_offsets")]
    [InlineData("""{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"u":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 8, "overlapping data_offsets")]
    [InlineData("""{"t":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}""", 8, "outside the file")]
    [InlineData("""{"t":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}""", 8, "end before begin")]
    [InlineData("""{"t":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}}""", 8, "is not a non-negative integer")]
    [InlineData("""{"t":{"dtype":"F32","shape":[2],"data_offsets":[0]}}""", 8, "'data_offsets' has 1 entries, expected 2")]
    [InlineData("""{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8.5]}}""", 8, "is not a non-negative integer")]
    [InlineData("""{"t":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", 8, "needs 12")]
    [InlineData("""{"t":{"dtype":"BF16","shape":[2],"data_offsets":[0,8]}}""", 8, "needs 4")]
    [InlineData("""{"t":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,8]}}""", 8, "too large to address")]
    [InlineData("""{"t":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}""", 8, "is not a non-negative integer")]
    [InlineData("""{"t":{"dtype":"F32","shape":"2","data_offsets":[0,8]}}""", 8, "non-array 'shape'")]
    [InlineData("""{"t":{"dtype":"Q4_0","shape":[2],"data_offsets":[0,8]}}""", 8, "unknown dtype 'Q4_0'")]
    [InlineData("""{"t":{"dtype":"f32","shape":[2],"data_offsets":[0,8]}}""", 8, "unknown dtype 'f32'")]
    [InlineData("""{"t":{"dtype":"F4","shape":[2],"data_offsets":[0,8]}}""", 8, "unknown dtype 'F4'")]
    [InlineData("""{"t":{"dtype":7,"shape":[2],"data_offsets":[0,8]}}""", 8, "missing or non-string 'dtype'")]
    [InlineData("""{"t":{"shape":[2],"data_offsets":[0,8]}}""", 8, "missing or non-string 'dtype'")]
    [InlineData("""{"t":{"dtype":"F32","data_offsets":[0,8]}}""", 8, "missing or non-array 'shape'")]
    [InlineData("""{"t":{"dtype":"F32","shape":[2]}}""", 8, "missing or non-array 'data_offsets'")]
    [InlineData("""{"t":[1,2]}""", 0, "entry is a JSON Array")]
    [InlineData("""{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 8, "appears twice")]
    [InlineData("""{"__metadata__":{"format":1}}""", 0, "'__metadata__.format' is a JSON Number")]
    [InlineData("""{"__metadata__":[]}""", 0, "'__metadata__' is a JSON Array")]
    public void EachHeaderFaultIsNamed(string header, int dataBytes, string? expectedProblem)
    {
        byte[] file = RawFile(header, dataBytes);
        if (expectedProblem is null)
        {
            using SafeTensorsFile ok = SafeTensorsFile.Open(Write(file));
            Assert.Equal(8, ok.Tensors["t"].ByteLength);
            return;
        }
        Rejects(file, expectedProblem);
    }

    [Fact]
    public void HeaderThatIsNotUtf8IsRejected()
    {
        byte[] file = RawFile("""{"t":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"xé":{}}""", 0);
        int at = Array.IndexOf(file, (byte)0xC3);
        file[at] = 0xFF; // an invalid UTF-8 lead byte inside a property name
        Rejects(file, "header is not valid UTF-8");
    }

    [Theory]
    [InlineData(1000UL, "runs past the end of the file")]
    [InlineData(ulong.MaxValue, "runs past the end of the file")]
    [InlineData(0x8000_0000_0000_0000UL, "runs past the end of the file")]
    [InlineData(0UL, "too short")]
    public void HeaderLengthFieldIsGuarded(ulong lengthField, string expected) =>
        Rejects(RawFile("""{"t":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}""", 0, lengthField), expected);

    [Fact]
    public void HeaderOver100MiBIsRefusedBeforeAllocating()
    {
        // A sparse file larger than the limit, so the length field does fit inside it: only the limit can stop it.
        string path = _dir.File("huge-header.safetensors");
        using (var stream = new FileStream(path, FileMode.Create))
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)SafeTensorsFile.MaxHeaderBytes + 8);
            stream.Write(length);
            stream.SetLength(SafeTensorsFile.MaxHeaderBytes + 64);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Open(path));
        Assert.Contains("exceeds the 104857600-byte limit", e.Problem);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "the header must not be read into memory");
    }

    [Fact]
    public void RandomHeaderMutationsOnlyEverRaiseTheFormatException()
    {
        byte[] valid = ValidFile();
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(valid);
        var random = new Random(20261126);
        int rejected = 0, accepted = 0;
        for (int round = 0; round < 1200; round++)
        {
            byte[] mutated = Mutate(valid, headerLength, random, out string how);
            string path = Write(mutated, reuse: true);
            try
            {
                using SafeTensorsFile file = SafeTensorsFile.Open(path);
                // Accepted: every tensor must be readable in bounds.
                foreach (SafeTensorInfo info in file.Tensors.Values)
                {
                    Assert.Equal(info.ByteLength, file.GetBytes(info.Name).Length);
                    Assert.True(info.DataOffset + info.ByteLength <= mutated.Length, $"round {round} ({how}): {info} lies outside the file");
                }
                accepted++;
            }
            catch (SafeTensorsFormatException e)
            {
                Assert.Equal(path, e.FilePath);
                Assert.False(string.IsNullOrWhiteSpace(e.Problem));
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"round {round} ({how}): {e.GetType().Name} escaped: {e.Message}");
            }
        }
        output.WriteLine($"{rejected} mutated files rejected, {accepted} accepted and read in bounds");
        Assert.Equal(1200, rejected + accepted);
        Assert.True(rejected >= 1000, $"only {rejected} of 1200 mutations were rejected; the mutator is too gentle to mean much");
    }

    /// <summary>One seeded random corruption of the header (and sometimes the length field or file length).</summary>
    private static byte[] Mutate(byte[] valid, int headerLength, Random random, out string how)
    {
        var bytes = new List<byte>(valid);
        int headerEnd = 8 + headerLength;
        int Pick() => 8 + random.Next(headerLength);
        const string structural = "{}[],:\"0123456789-.eE tfn";
        int kind = random.Next(9);
        switch (kind)
        {
            case 0: // random byte
                { int at = Pick(); bytes[at] = (byte)random.Next(256); how = $"byte {at} random"; break; }
            case 1: // JSON-significant character
                { int at = Pick(); bytes[at] = (byte)structural[random.Next(structural.Length)]; how = $"byte {at} structural"; break; }
            case 2: // digit change (offsets and shapes)
                {
                    var digits = Enumerable.Range(8, headerLength).Where(i => char.IsAsciiDigit((char)bytes[i])).ToArray();
                    int at = digits[random.Next(digits.Length)];
                    bytes[at] = (byte)('0' + random.Next(10));
                    how = $"digit {at}";
                    break;
                }
            case 3: // delete a run inside the header, keeping the length field honest
                {
                    int at = Pick(), n = 1 + random.Next(Math.Min(12, headerEnd - at));
                    bytes.RemoveRange(at, n);
                    bytes.InsertRange(headerEnd - n, Enumerable.Repeat((byte)' ', n));
                    how = $"delete {n} at {at}";
                    break;
                }
            case 4: // swap two header bytes
                {
                    int a = Pick(), b = Pick();
                    (bytes[a], bytes[b]) = (bytes[b], bytes[a]);
                    how = $"swap {a},{b}";
                    break;
                }
            case 5: // length field off by a little
                {
                    long delta = random.Next(-16, 17);
                    BinaryPrimitives.WriteUInt64LittleEndian(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes), (ulong)(headerLength + delta));
                    how = $"length {delta:+0;-0}";
                    break;
                }
            case 6: // length field random
                {
                    ulong value = (ulong)random.NextInt64() << random.Next(2);
                    BinaryPrimitives.WriteUInt64LittleEndian(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes), value);
                    how = $"length {value}";
                    break;
                }
            case 7: // replace a number with a huge or negative one
                {
                    string text = Encoding.UTF8.GetString(valid, 8, headerLength);
                    var numbers = System.Text.RegularExpressions.Regex.Matches(text, "[0-9]+").ToArray();
                    var m = numbers[random.Next(numbers.Length)];
                    string[] replacements = ["-1", "99999999999999999999", "9223372036854775807", "4294967296", "1e3", "0.5", "null", "\"3\""];
                    string replaced = text[..m.Index] + replacements[random.Next(replacements.Length)] + text[(m.Index + m.Length)..];
                    how = $"number at {m.Index}";
                    return Rebuild(valid, headerLength, replaced);
                }
            default: // truncate the data section
                {
                    int cut = 1 + random.Next(valid.Length - headerEnd);
                    bytes.RemoveRange(bytes.Count - cut, cut);
                    how = $"data cut {cut}";
                    break;
                }
        }
        if (kind != 7 && kind != 8 && kind < 5 && bytes.Skip(8).Take(headerLength).SequenceEqual(valid.Skip(8).Take(headerLength)))
            bytes[8] = (byte)'['; // the mutation was a no-op; force a change so every round corrupts something
        return [.. bytes];
    }

    private static byte[] Rebuild(byte[] valid, int headerLength, string header)
    {
        byte[] headerBytes = Encoding.UTF8.GetBytes(header);
        byte[] data = valid[(8 + headerLength)..];
        var file = new byte[8 + headerBytes.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)headerBytes.Length);
        headerBytes.CopyTo(file, 8);
        data.CopyTo(file, 8 + headerBytes.Length);
        return file;
    }
}
