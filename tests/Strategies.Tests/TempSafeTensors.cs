// PruneVid.NET — test support.
using System.Text.Json;

namespace PruneVid.Strategies.Tests;

/// <summary>Temporary reader until the runtime's safetensors reader lands.</summary>
internal sealed class TempSafeTensors
{
    private readonly byte[] _bytes;
    private readonly long _dataStart;
    private readonly JsonElement _header;

    private TempSafeTensors(string path)
    {
        _bytes = File.ReadAllBytes(path);
        long n = BitConverter.ToInt64(_bytes, 0);
        _header = JsonDocument.Parse(_bytes.AsMemory(8, (int)n)).RootElement;
        _dataStart = 8 + n;
        Metadata = _header.TryGetProperty("__metadata__", out var m)
            ? m.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!) : new Dictionary<string, string>();
    }

    public static TempSafeTensors Open(string path) => new(path);
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public int[] Shape(string name) => _header.GetProperty(name).GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();

    private ReadOnlySpan<byte> Raw(string name)
    {
        var offs = _header.GetProperty(name).GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        return _bytes.AsSpan((int)(_dataStart + offs[0]), (int)(offs[1] - offs[0]));
    }

    public float[] ReadF32(string name) => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(Raw(name)).ToArray();
    public long[] ReadI64(string name) => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(Raw(name)).ToArray();
}
