// PruneVid.NET — benchmarks: where each tensor of a GGUF v3 file lies, for comparing two files tensor by tensor.
using System.Text;

namespace PruneVid.Bench;

/// <summary>
/// Reads a GGUF v3 header (magic, counts, key/value pairs, tensor infos) and gives each tensor's type, shape and the
/// absolute offset of its data, which starts at the header's end rounded up to <c>general.alignment</c> (default 32).
/// </summary>
internal static class GgufReader
{
    public sealed record Tensor(string Name, long[] Dims, GgufWriter.TensorType Type, long Offset)
    {
        public long Count => Dims.Aggregate(1L, (a, b) => a * b);
    }

    public static Dictionary<string, Tensor> Tensors(string file)
    {
        using var stream = File.OpenRead(file);
        using var r = new BinaryReader(stream, Encoding.UTF8);
        if (r.ReadUInt32() != 0x46554747) throw new InvalidDataException($"{file} is not a GGUF file");
        uint version = r.ReadUInt32();
        if (version != 3) throw new InvalidDataException($"{file} is GGUF v{version}; only v3 is read");
        long tensorCount = (long)r.ReadUInt64(), kvCount = (long)r.ReadUInt64();
        long alignment = 32;
        for (long i = 0; i < kvCount; i++)
        {
            string key = Str(r);
            uint type = r.ReadUInt32();
            if (key == "general.alignment" && type == 4) alignment = r.ReadUInt32();
            else Skip(r, type);
        }
        var infos = new List<(string Name, long[] Dims, uint Type, long Offset)>();
        for (long i = 0; i < tensorCount; i++)
        {
            string name = Str(r);
            var dims = new long[r.ReadUInt32()];
            for (int d = 0; d < dims.Length; d++) dims[d] = (long)r.ReadUInt64();
            infos.Add((name, dims, r.ReadUInt32(), (long)r.ReadUInt64()));
        }
        long dataStart = (stream.Position + alignment - 1) / alignment * alignment;
        return infos.ToDictionary(t => t.Name, t => new Tensor(t.Name, t.Dims, (GgufWriter.TensorType)t.Type, dataStart + t.Offset));
    }

    private static string Str(BinaryReader r) => Encoding.UTF8.GetString(r.ReadBytes(checked((int)r.ReadUInt64())));

    /// <summary>Skips one value of GGUF type <paramref name="type"/> (arrays element by element).</summary>
    private static void Skip(BinaryReader r, uint type)
    {
        switch (type)
        {
            case 0 or 1 or 7: r.ReadByte(); break;
            case 2 or 3: r.ReadUInt16(); break;
            case 4 or 5 or 6: r.ReadUInt32(); break;
            case 10 or 11 or 12: r.ReadUInt64(); break;
            case 8: Str(r); break;
            case 9:
                uint elementType = r.ReadUInt32();
                ulong count = r.ReadUInt64();
                for (ulong i = 0; i < count; i++) Skip(r, elementType);
                break;
            default: throw new InvalidDataException($"unknown GGUF value type {type}");
        }
    }
}
