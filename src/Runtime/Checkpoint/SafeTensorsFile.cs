// PruneVid.NET — checkpoint loading.
using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;

namespace PruneVid.Runtime.Checkpoint;

/// <summary>
/// A memory-mapped, read-only safetensors file (format and limits: README, Checkpoints): u64 LE header length, a JSON header, raw
/// little-endian data. The header is read and fully validated before anything is mapped; tensor bytes are never
/// copied unless a convenience reader is asked for a managed array. Pointers stay valid until <see cref="Dispose"/>.
/// </summary>
public sealed unsafe class SafeTensorsFile : IDisposable
{
    /// <summary>Headers larger than this are rejected before any allocation (guards against hostile length fields).</summary>
    public const long MaxHeaderBytes = SafeTensorsHeader.MaxHeaderBytes;

    // One of the two: the Linux huge-page mapping, or the portable memory-mapped view.
    private readonly HugePageFileMapping? _hugePageMapping;
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private byte* _base;

    private SafeTensorsFile(string path, SafeTensorsHeader.Parsed header, MemoryMappedFile? map, MemoryMappedViewAccessor? view, HugePageFileMapping? hugePageMapping, byte* basePointer)
    {
        FilePath = path;
        Tensors = header.Tensors;
        Metadata = header.Metadata;
        _map = map;
        _view = view;
        _hugePageMapping = hugePageMapping;
        _base = basePointer;
    }

    /// <summary>
    /// How the file is mapped: <c>"huge pages"</c> (Linux: 2 MB aligned, transparent huge pages requested),
    /// <c>"2 MB aligned"</c> (Linux, the kernel refused huge pages) or <c>"portable"</c> (a memory-mapped view).
    /// </summary>
    public string MappingKind => _hugePageMapping is null ? "portable" : _hugePageMapping.HugePagesRequested ? "huge pages" : "2 MB aligned";

    /// <summary>Full path of the mapped file.</summary>
    public string FilePath { get; }

    /// <summary>Tensor entries by their name in the file (ordinal).</summary>
    public IReadOnlyDictionary<string, SafeTensorInfo> Tensors { get; }

    /// <summary>The header's optional <c>__metadata__</c> (string → string; empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>
    /// Opens and validates <paramref name="path"/>. Any malformed content throws <see cref="SafeTensorsFormatException"/>
    /// (header length past the end, header not JSON, bad entries, offsets overlapping or outside the file, size ≠
    /// shape × dtype, unknown dtype). A missing file throws <see cref="FileNotFoundException"/>.
    /// </summary>
    public static SafeTensorsFile Open(string path) => Open(path, preferHugePages: true);

    /// <summary>Opens <paramref name="path"/>; <paramref name="preferHugePages"/> false always takes the portable mapping.</summary>
    internal static SafeTensorsFile Open(string path, bool preferHugePages)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath)) throw new FileNotFoundException($"safetensors file '{fullPath}' does not exist", fullPath);

        var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.RandomAccess);
        try
        {
            SafeTensorsHeader.Parsed header = ReadHeader(fullPath, stream);
            if (preferHugePages && HugePageFileMapping.TryMap(stream.SafeFileHandle, stream.Length) is { } hugePageMapping)
            {
                stream.Dispose(); // the mapping keeps the file open
                return new SafeTensorsFile(fullPath, header, null, null, hugePageMapping, hugePageMapping.Base);
            }
            // A non-empty file is guaranteed here (at least the 8-byte length), so mapping cannot fail on size.
            MemoryMappedFile map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            MemoryMappedViewAccessor? view = null;
            try
            {
                view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
                byte* pointer = null;
                view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
                return new SafeTensorsFile(fullPath, header, map, view, null, pointer + view.PointerOffset);
            }
            catch
            {
                view?.Dispose();
                map.Dispose();
                throw;
            }
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static SafeTensorsHeader.Parsed ReadHeader(string path, FileStream stream)
    {
        long fileLength = stream.Length;
        if (fileLength < 8)
            throw new SafeTensorsFormatException(path, $"file is {fileLength} bytes, shorter than the 8-byte header length");
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > (ulong)(fileLength - 8))
            throw new SafeTensorsFormatException(path, $"header length {headerLength} runs past the end of the file ({fileLength} bytes)");
        if (headerLength > MaxHeaderBytes)
            throw new SafeTensorsFormatException(path, $"header length {headerLength} exceeds the {MaxHeaderBytes}-byte limit");
        if (headerLength < 2)
            throw new SafeTensorsFormatException(path, $"header length {headerLength} is too short to hold a JSON object");

        var header = new byte[headerLength];
        stream.ReadExactly(header);
        long dataStart = 8 + (long)headerLength;
        return SafeTensorsHeader.Parse(path, header, dataStart, fileLength - dataStart);
    }

    /// <summary>Looks a tensor up by its name in the file; throws <see cref="KeyNotFoundException"/> naming the file when absent.</summary>
    public SafeTensorInfo GetInfo(string name) => Tensors.TryGetValue(name, out SafeTensorInfo? info)
        ? info
        : throw new KeyNotFoundException($"{FilePath}: no tensor named '{name}'");

    /// <summary>Zero-copy pointer to the tensor's first byte; valid until the file is disposed.</summary>
    public byte* GetPointer(string name)
    {
        SafeTensorInfo info = GetInfo(name);
        return BasePointer + info.DataOffset;
    }

    /// <summary><see cref="GetPointer"/> as a native integer, for code that avoids unsafe contexts.</summary>
    public nint GetAddress(string name) => (nint)GetPointer(name);

    /// <summary>The tensor's raw bytes; throws <see cref="InvalidOperationException"/> for tensors over 2 GiB (use the pointer).</summary>
    public ReadOnlySpan<byte> GetBytes(string name) => TensorDecoder.Span(name, GetPointer(name), GetInfo(name).ByteLength);

    /// <summary>Values as f32 (from BF16 exactly, F16 exactly, F32 as is, F64 rounded).</summary>
    public float[] ReadF32(string name) => Decode(name, TensorDecoder.ToF32);

    /// <summary>Raw bf16 words (BF16 as stored, or F32 rounded to nearest even).</summary>
    public ushort[] ReadBf16Bits(string name) => Decode(name, TensorDecoder.ToBf16Bits);

    /// <summary>Integers as I64 (from I64 or I32).</summary>
    public long[] ReadI64(string name) => Decode(name, TensorDecoder.ToI64);

    /// <summary>Integers as I32 (from I32, or I64 with every value range-checked).</summary>
    public int[] ReadI32(string name) => Decode(name, TensorDecoder.ToI32);

    private T Decode<T>(string name, TensorDecoder.Decoder<T> decoder)
    {
        SafeTensorInfo info = GetInfo(name);
        return decoder(name, info.DType, BasePointer + info.DataOffset, info.ElementCount);
    }

    private byte* BasePointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_base == null, this);
            return _base;
        }
    }

    /// <summary>Unmaps the file; every pointer handed out becomes invalid.</summary>
    public void Dispose()
    {
        if (_base == null) return;
        _base = null;
        _hugePageMapping?.Dispose();
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }
        _map?.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"{FilePath} ({Tensors.Count} tensors)";
}
