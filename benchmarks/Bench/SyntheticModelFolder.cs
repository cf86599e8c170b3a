// PruneVid.NET — benchmarks: a synthetic Qwen2.5-VL of a published shape written as a model folder, for the server.
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Config;

namespace PruneVid.Bench;

/// <summary>
/// Writes <c>config.json</c> (the hub layout of <see cref="SyntheticModel.ConfigJson"/>) and <c>model.safetensors</c>
/// (every tensor of the manifest, the seeded values of <see cref="SyntheticModel.RandomWeights"/>) into a folder, one
/// tensor at a time so that a 3B checkpoint never sits in memory whole. The folder has no tokenizer: the server is
/// given a Qwen2.5-VL tokenizer folder with <c>--tokenizer</c> (the shapes use the published token ids). A folder
/// already written for the same shape and seed is reused.
/// </summary>
internal static class SyntheticModelFolder
{
    private const string Marker = "synthetic.json";

    public static string Ensure(string folder, string shape, int seed = 3)
    {
        string stamp = new JsonObject { ["shape"] = shape, ["seed"] = seed }.ToJsonString();
        string marker = Path.Combine(folder, Marker);
        if (File.Exists(marker) && File.ReadAllText(marker) == stamp) return folder;
        Directory.CreateDirectory(folder);
        string json = SyntheticModel.ConfigJson(shape);
        File.WriteAllText(Path.Combine(folder, Qwen25VLConfig.FileName), json);
        var config = Qwen25VLConfig.Parse(json, $"synthetic {shape}");
        var specs = WeightManifest.For(config);
        Console.Error.WriteLine($"writing a synthetic {shape} checkpoint ({SyntheticModel.ParameterCount(config) / 1e9:F2} B parameters, bf16) to {folder} (once)");

        var header = new JsonObject { ["__metadata__"] = new JsonObject { ["format"] = "pt" } };
        long offset = 0;
        foreach (WeightSpec spec in specs)
        {
            long bytes = 2 * spec.ElementCount;
            header[spec.Name] = new JsonObject
            {
                ["dtype"] = "BF16",
                ["shape"] = new JsonArray([.. spec.Shape.Select(d => (JsonNode)d)]),
                ["data_offsets"] = new JsonArray(offset, offset + bytes),
            };
            offset += bytes;
        }
        byte[] headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (headerBytes.Length + 7) / 8 * 8;
        string file = Path.Combine(folder, "model.safetensors");
        using (var stream = new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
            stream.Write(length);
            stream.Write(headerBytes);
            for (int i = headerBytes.Length; i < padded; i++) stream.WriteByte((byte)' ');
            for (int i = 0; i < specs.Count; i++)
                stream.Write(MemoryMarshal.AsBytes(SyntheticModel.RandomTensor(specs[i], i, seed).AsSpan()));
        }
        File.WriteAllText(marker, stamp);
        return folder;
    }
}
