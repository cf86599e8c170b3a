// PruneVid.NET — checkpoint loading.
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace PruneVid.Runtime.Checkpoint;

/// <summary>
/// Writes a safetensors file: tensors are laid out contiguously in the order they were added, the JSON header is
/// space-padded to a multiple of 8 bytes (as the reference implementation does), metadata goes to <c>__metadata__</c>.
/// </summary>
public sealed class SafeTensorsWriter
{
    private readonly List<Entry> _entries = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    private sealed record Entry(string Name, SafeTensorDType DType, long[] Shape, ReadOnlyMemory<byte> Data);

    /// <summary>String metadata written to <c>__metadata__</c> (omitted when empty).</summary>
    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    /// <summary>Number of tensors added so far.</summary>
    public int Count => _entries.Count;

    /// <summary>Adds a tensor from raw little-endian bytes; the byte count must equal shape × element size.</summary>
    public SafeTensorsWriter Add(string name, SafeTensorDType dtype, ReadOnlySpan<long> shape, ReadOnlyMemory<byte> data)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name == "__metadata__") throw new ArgumentException("'__metadata__' is reserved and cannot name a tensor", nameof(name));
        long count = 1;
        foreach (long d in shape)
        {
            if (d < 0) throw new ArgumentException($"tensor '{name}': negative dimension in shape [{string.Join(",", shape.ToArray())}]", nameof(shape));
            count = checked(count * d);
        }
        long expected = checked(count * dtype.ElementSize);
        if (expected != data.Length)
            throw new ArgumentException($"tensor '{name}': {data.Length} bytes given, shape [{string.Join(",", shape.ToArray())}] x {dtype} needs {expected}", nameof(data));
        if (!_names.Add(name)) throw new ArgumentException($"tensor '{name}' was already added", nameof(name));
        _entries.Add(new Entry(name, dtype, shape.ToArray(), data));
        return this;
    }

    /// <summary>Adds a tensor from an array of unmanaged values (e.g. <c>ushort[]</c> bf16 words for <see cref="SafeTensorDType.BF16"/>).</summary>
    public SafeTensorsWriter Add<T>(string name, SafeTensorDType dtype, ReadOnlySpan<long> shape, T[] values) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(values);
        ReadOnlyMemory<byte> bytes = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        return Add(name, dtype, shape, bytes);
    }

    /// <summary>Adds a bf16 tensor from raw 16-bit words.</summary>
    public SafeTensorsWriter AddBf16(string name, ReadOnlySpan<long> shape, ushort[] bits) => Add(name, SafeTensorDType.BF16, shape, bits);

    /// <summary>Adds an f32 tensor.</summary>
    public SafeTensorsWriter AddF32(string name, ReadOnlySpan<long> shape, float[] values) => Add(name, SafeTensorDType.F32, shape, values);

    /// <summary>Adds an i64 tensor.</summary>
    public SafeTensorsWriter AddI64(string name, ReadOnlySpan<long> shape, long[] values) => Add(name, SafeTensorDType.I64, shape, values);

    /// <summary>Adds an i32 tensor.</summary>
    public SafeTensorsWriter AddI32(string name, ReadOnlySpan<long> shape, int[] values) => Add(name, SafeTensorDType.I32, shape, values);

    /// <summary>The header JSON as written (before padding), useful for tests that corrupt it.</summary>
    public byte[] BuildHeader()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (Metadata.Count > 0)
            {
                json.WriteStartObject("__metadata__");
                foreach ((string key, string value) in Metadata) json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (Entry entry in _entries)
            {
                json.WriteStartObject(entry.Name);
                json.WriteString("dtype", entry.DType.HeaderName);
                json.WriteStartArray("shape");
                foreach (long d in entry.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + entry.Data.Length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += entry.Data.Length;
            }
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>Writes the whole file to <paramref name="destination"/>.</summary>
    public void WriteTo(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        byte[] header = BuildHeader();
        int padded = (header.Length + 7) / 8 * 8;
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
        destination.Write(length);
        destination.Write(header);
        for (int i = header.Length; i < padded; i++) destination.WriteByte((byte)' ');
        foreach (Entry entry in _entries) destination.Write(entry.Data.Span);
    }

    /// <summary>Writes the file to <paramref name="path"/> (overwriting it).</summary>
    public void Save(string path)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        WriteTo(stream);
    }

    /// <summary>The file as bytes (small files only).</summary>
    public byte[] ToArray()
    {
        using var stream = new MemoryStream();
        WriteTo(stream);
        return stream.ToArray();
    }

    /// <summary>UTF-8 text of the header, for diagnostics.</summary>
    public override string ToString() => Encoding.UTF8.GetString(BuildHeader());
}
