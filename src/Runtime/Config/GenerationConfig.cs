// PruneVid.NET — model configuration.
using System.Text.Json;

namespace PruneVid.Runtime.Config;

/// <summary>
/// Decoding defaults from <c>generation_config.json</c>. Every field is optional; absent ones are null so the caller's
/// own defaults apply. Present fields must have the right type.
/// </summary>
public sealed record GenerationConfig
{
    /// <summary>The file name looked for inside a model folder.</summary>
    public const string FileName = "generation_config.json";

    /// <summary><c>do_sample</c>.</summary>
    public bool? DoSample { get; init; }

    /// <summary><c>temperature</c>.</summary>
    public double? Temperature { get; init; }

    /// <summary><c>top_p</c>.</summary>
    public double? TopP { get; init; }

    /// <summary><c>top_k</c>.</summary>
    public int? TopK { get; init; }

    /// <summary><c>repetition_penalty</c>.</summary>
    public double? RepetitionPenalty { get; init; }

    /// <summary><c>eos_token_id</c> (an int or a list in the file).</summary>
    public int[]? EosTokenIds { get; init; }

    /// <summary><c>pad_token_id</c>.</summary>
    public int? PadTokenId { get; init; }

    /// <summary><c>max_new_tokens</c>.</summary>
    public int? MaxNewTokens { get; init; }

    /// <summary>Reads <c>generation_config.json</c> from a model folder (or the given file); null when it does not exist.</summary>
    public static GenerationConfig? Load(string modelDirOrPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelDirOrPath);
        string path = Directory.Exists(modelDirOrPath) ? Path.Combine(modelDirOrPath, FileName) : modelDirOrPath;
        path = Path.GetFullPath(path);
        return File.Exists(path) ? Parse(ConfigNode.ParseFile(path), path) : null;
    }

    /// <summary>Parses generation config JSON; <paramref name="sourceName"/> appears in error messages.</summary>
    public static GenerationConfig Parse(string json, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(sourceName);
        return Parse(ConfigNode.ParseDocument(json, sourceName), sourceName);
    }

    private static GenerationConfig Parse(JsonDocument parsed, string sourceName)
    {
        using JsonDocument document = parsed;
        var root = new ConfigNode(document.RootElement, "", sourceName);
        return new GenerationConfig
        {
            DoSample = root.OptionalBool("do_sample"),
            Temperature = root.OptionalDouble("temperature"),
            TopP = root.OptionalDouble("top_p"),
            TopK = root.OptionalInt("top_k"),
            RepetitionPenalty = root.OptionalDouble("repetition_penalty"),
            EosTokenIds = root.OptionalIntOrIntArray("eos_token_id"),
            PadTokenId = root.OptionalInt("pad_token_id"),
            MaxNewTokens = root.OptionalInt("max_new_tokens"),
        };
    }
}
