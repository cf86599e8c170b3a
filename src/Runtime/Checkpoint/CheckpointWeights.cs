// PruneVid.NET — checkpoint loading.
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using PruneVid.Runtime.Config;

namespace PruneVid.Runtime.Checkpoint;

/// <summary>
/// Weights of a checkpoint folder: <c>model.safetensors</c>, or the shards listed by
/// <c>model.safetensors.index.json</c>. Every stored name is canonicalised (<see cref="WeightNames.Canonicalize"/>);
/// tensors are zero-copy views into the mapped shards, valid until this object is disposed.
/// </summary>
public sealed unsafe class CheckpointWeights : IWeightSource
{
    /// <summary>Single-file checkpoint name.</summary>
    public const string SingleFileName = "model.safetensors";

    /// <summary>Shard index name (<c>weight_map</c>: tensor name → shard file).</summary>
    public const string IndexFileName = "model.safetensors.index.json";

    private readonly List<SafeTensorsFile> _files;
    private readonly Dictionary<string, WeightTensor> _tensors;
    private readonly bool _tieWordEmbeddings;
    private readonly string[] _names;

    private CheckpointWeights(string location, List<SafeTensorsFile> files, Dictionary<string, WeightTensor> tensors, bool tieWordEmbeddings)
    {
        Location = location;
        _files = files;
        _tensors = tensors;
        _tieWordEmbeddings = tieWordEmbeddings;
        var names = new List<string>(tensors.Keys);
        if (tieWordEmbeddings && !tensors.ContainsKey(WeightNames.LmHead) && tensors.ContainsKey(WeightNames.EmbedTokens))
            names.Add(WeightNames.LmHead);
        names.Sort(StringComparer.Ordinal);
        _names = [.. names];
    }

    /// <summary>The index file or the single safetensors file this checkpoint was opened from.</summary>
    public string Location { get; }

    /// <summary>The mapped files (one, or one per shard).</summary>
    public IReadOnlyList<SafeTensorsFile> Files => _files;

    /// <inheritdoc />
    public IReadOnlyCollection<string> Names => _names;

    /// <summary>
    /// Opens a checkpoint. <paramref name="path"/> is a model folder (index preferred over a single file when both
    /// exist), a <c>.safetensors</c> file, or an index <c>.json</c>. With a <paramref name="config"/> whose
    /// <c>tie_word_embeddings</c> is true, a missing <c>lm_head.weight</c> resolves to the embedding table.
    /// </summary>
    public static CheckpointWeights Open(string path, Qwen25VLConfig? config = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        bool tie = config?.Text.TieWordEmbeddings ?? false;
        if (Directory.Exists(full))
        {
            string index = Path.Combine(full, IndexFileName), single = Path.Combine(full, SingleFileName);
            if (File.Exists(index)) return OpenSharded(index, tie);
            if (File.Exists(single)) return OpenSingle(single, tie);
            throw new FileNotFoundException($"{full}: neither {IndexFileName} nor {SingleFileName} is present", single);
        }
        if (!File.Exists(full)) throw new FileNotFoundException($"checkpoint '{full}' does not exist", full);
        return full.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? OpenSharded(full, tie) : OpenSingle(full, tie);
    }

    private static CheckpointWeights OpenSingle(string file, bool tie)
    {
        SafeTensorsFile opened = SafeTensorsFile.Open(file);
        try
        {
            var tensors = new Dictionary<string, WeightTensor>(StringComparer.Ordinal);
            var origin = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (SafeTensorInfo info in opened.Tensors.Values) AddTensor(file, opened, info, tensors, origin);
            return new CheckpointWeights(file, [opened], tensors, tie);
        }
        catch
        {
            opened.Dispose();
            throw;
        }
    }

    private static CheckpointWeights OpenSharded(string indexPath, bool tie)
    {
        Dictionary<string, string> weightMap = ReadWeightMap(indexPath);
        string folder = Path.GetDirectoryName(indexPath)!;

        // Check every shard exists before mapping any, so the error names all of them at once.
        string[] shardNames = weightMap.Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        string[] missing = shardNames.Where(s => !File.Exists(Path.Combine(folder, s))).ToArray();
        if (missing.Length > 0)
            throw new SafeTensorsFormatException(indexPath, $"missing shard file(s): {string.Join(", ", missing.Select(m => $"'{m}'"))}");

        var files = new List<SafeTensorsFile>();
        try
        {
            var tensors = new Dictionary<string, WeightTensor>(StringComparer.Ordinal);
            var origin = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string shard in shardNames)
            {
                SafeTensorsFile opened = SafeTensorsFile.Open(Path.Combine(folder, shard));
                files.Add(opened);
                foreach (SafeTensorInfo info in opened.Tensors.Values) AddTensor(opened.FilePath, opened, info, tensors, origin);
            }
            // The index must agree with the shards: every listed tensor sits in the shard the index names.
            var misplaced = new List<string>();
            foreach ((string name, string shard) in weightMap)
            {
                string canonical = WeightNames.Canonicalize(name);
                string expected = Path.GetFullPath(Path.Combine(folder, shard));
                if (!origin.TryGetValue(canonical, out string? actual) || actual != expected)
                    misplaced.Add($"'{name}' (index says '{shard}', {(actual is null ? "no shard has it" : $"found in '{Path.GetFileName(actual)}'")})");
            }
            if (misplaced.Count > 0)
                throw new SafeTensorsFormatException(indexPath, $"index lists {misplaced.Count} tensor(s) not in their shard: {string.Join("; ", misplaced)}");
            return new CheckpointWeights(indexPath, files, tensors, tie);
        }
        catch
        {
            foreach (SafeTensorsFile f in files) f.Dispose();
            throw;
        }
    }

    private static void AddTensor(string file, SafeTensorsFile opened, SafeTensorInfo info,
        Dictionary<string, WeightTensor> tensors, Dictionary<string, string> origin)
    {
        string canonical = WeightNames.Canonicalize(info.Name);
        if (origin.TryGetValue(canonical, out string? previous))
            throw new SafeTensorsFormatException(file, $"tensor '{info.Name}' duplicates '{canonical}' already loaded from '{previous}'");
        var shape = new int[info.Shape.Length];
        for (int i = 0; i < shape.Length; i++)
            shape[i] = info.Shape[i] <= int.MaxValue
                ? (int)info.Shape[i]
                : throw new SafeTensorsFormatException(file, $"tensor '{info.Name}': dimension {info.Shape[i]} exceeds the int range");
        tensors.Add(canonical, WeightTensor.FromPointer(canonical, info.DType, shape, opened.GetPointer(info.Name), info.ByteLength));
        origin.Add(canonical, file);
    }

    private static Dictionary<string, string> ReadWeightMap(string indexPath)
    {
        byte[] bytes = File.ReadAllBytes(indexPath);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes);
        }
        catch (JsonException e)
        {
            throw new SafeTensorsFormatException(indexPath, $"index is not valid JSON ({e.Message})", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("weight_map", out JsonElement map) || map.ValueKind != JsonValueKind.Object)
                throw new SafeTensorsFormatException(indexPath, "index has no 'weight_map' object");
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (JsonProperty entry in map.EnumerateObject())
            {
                string? shard = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString() : null;
                if (string.IsNullOrEmpty(shard) || Path.IsPathRooted(shard) || shard.Contains("..", StringComparison.Ordinal))
                    throw new SafeTensorsFormatException(indexPath, $"weight_map['{entry.Name}'] = {entry.Value.GetRawText()} is not a shard file name in the checkpoint folder");
                if (!result.TryAdd(entry.Name, shard))
                    throw new SafeTensorsFormatException(indexPath, $"weight_map lists '{entry.Name}' twice");
            }
            return result;
        }
    }

    /// <inheritdoc />
    public bool TryGet(string canonicalName, [MaybeNullWhen(false)] out WeightTensor tensor)
    {
        ObjectDisposedException.ThrowIf(_files.Count == 0, this);
        if (_tensors.TryGetValue(canonicalName, out tensor)) return true;
        return WeightNames.TryResolveTied(canonicalName, _tieWordEmbeddings, n => _tensors.GetValueOrDefault(n), out tensor);
    }

    /// <summary>Unmaps every shard; tensors handed out become invalid.</summary>
    public void Dispose()
    {
        foreach (SafeTensorsFile file in _files) file.Dispose();
        _files.Clear();
    }

    /// <inheritdoc />
    public override string ToString() => $"{Location} ({_tensors.Count} tensors in {_files.Count} file(s))";
}
