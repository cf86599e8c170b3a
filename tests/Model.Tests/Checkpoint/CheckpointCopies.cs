// PruneVid.NET — checkpoint tests: copies of a checkpoint in another dtype or another file layout.
using System.Text.Json;
using PruneVid.Compute;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Config;
using PruneVid.Runtime.Model;
using PruneVid.Runtime.Model.Text;

namespace PruneVid.Model.Tests.Checkpoint;

/// <summary>Writes checkpoint copies into a temporary folder, and runs a short text-only prefill for their logits.</summary>
internal static class CheckpointCopies
{
    /// <summary>
    /// Copies <paramref name="source"/> (config + weights) into a new temporary folder with every floating tensor
    /// stored as <paramref name="dtype"/> (F16 or F32; null or other tensors: copied as they are), in
    /// <paramref name="shards"/> files with a <c>model.safetensors.index.json</c> when more than one, each tensor
    /// under the name <paramref name="rename"/> gives it.
    /// </summary>
    public static string Write(string source, SafeTensorDType? dtype, int shards = 1, Func<string, string>? rename = null)
    {
        string folder = Path.Combine(Path.GetTempPath(), "prunevid-copy-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        File.Copy(Path.Combine(source, "config.json"), Path.Combine(folder, "config.json"));
        using SafeTensorsFile file = SafeTensorsFile.Open(Path.Combine(source, CheckpointWeights.SingleFileName));
        string[] names = [.. file.Tensors.Keys.Order(StringComparer.Ordinal)];
        var writers = Enumerable.Range(0, shards).Select(_ => new SafeTensorsWriter()).ToArray();
        var weightMap = new Dictionary<string, string>();
        for (int i = 0; i < names.Length; i++)
        {
            SafeTensorInfo info = file.GetInfo(names[i]);
            string name = rename?.Invoke(names[i]) ?? names[i];
            int shard = i * shards / names.Length;
            string shardName = shards == 1 ? CheckpointWeights.SingleFileName : $"model-{shard + 1:D5}-of-{shards:D5}.safetensors";
            weightMap[name] = shardName;
            bool floating = info.DType is SafeTensorDType.BF16 or SafeTensorDType.F16 or SafeTensorDType.F32;
            if (!floating || dtype is null) writers[shard].Add(name, info.DType, info.Shape, file.GetBytes(names[i]).ToArray());
            else if (dtype == SafeTensorDType.F32) writers[shard].AddF32(name, info.Shape, file.ReadF32(names[i]));
            else writers[shard].Add(name, SafeTensorDType.F16, info.Shape, file.ReadF32(names[i]).Select(v => (Half)v).ToArray());
        }
        for (int s = 0; s < shards; s++)
            writers[s].Save(Path.Combine(folder, shards == 1 ? CheckpointWeights.SingleFileName : $"model-{s + 1:D5}-of-{shards:D5}.safetensors"));
        if (shards > 1)
            File.WriteAllText(Path.Combine(folder, CheckpointWeights.IndexFileName), JsonSerializer.Serialize(new { metadata = new { }, weight_map = weightMap }));
        return folder;
    }

    /// <summary>
    /// Logits [ids, vocab] of a text-only prefill of <paramref name="ids"/> (all three M-RoPE streams at 0..L−1), or
    /// with <paramref name="logits"/> false the final-normed hidden states [ids, hidden] (skips the 151936-row lm_head,
    /// which dominates a run on ILGPU's CPU accelerator).
    /// </summary>
    public static float[] PrefillLogits(ComputeBackend backend, Qwen25VLConfig config, IWeightSource weights, int[] ids, bool logits = true,
        WeightFormat format = WeightFormat.Stored)
    {
        using var model = new TextModel(backend, config, weights, format);
        using KvCache cache = model.CreateCache(ids.Length);
        using Tensor hidden = model.Embed(ids);
        var positions = new int[3 * ids.Length];
        for (int i = 0; i < positions.Length; i++) positions[i] = i % ids.Length;
        using Tensor normed = model.Forward(hidden, positions, cache);
        using Tensor result = logits ? model.Logits(normed) : backend.Reshape(normed, normed.Shape);
        var host = new float[result.Length];
        backend.CopyToHost(result, host);
        return host;
    }

    /// <summary>The largest |a − b| over all elements.</summary>
    public static double MaxAbsDifference(float[] a, float[] b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"{a.Length} values against {b.Length}");
        double max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs((double)a[i] - b[i]));
        return max;
    }

    /// <summary>Deletes a folder made by <see cref="Write"/>.</summary>
    public static void Delete(string folder)
    {
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    }
}
