// PruneVid.NET — pipeline: model names as people type them.
namespace PruneVid.Runtime.Pipeline;

/// <summary>
/// Resolves <c>--model</c>: a folder as is, or a Hugging Face hub name (<c>Qwen/Qwen2.5-VL-7B-Instruct</c>) to its
/// snapshot in the local cache (<c>$HF_HUB_CACHE</c>, <c>$HF_HOME/hub</c>, <c>~/.cache/huggingface/hub</c>), the
/// revision named by <c>refs/main</c>. Nothing is downloaded: a name not in the cache is an error that says where
/// it looked and how to fetch it.
/// </summary>
public static class ModelLocator
{
    /// <summary>The model folder for <paramref name="model"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">Neither a folder nor a cached hub model (the message says where it looked).</exception>
    public static string Resolve(string model) => Resolve(model, Environment.GetEnvironmentVariable);

    /// <summary><see cref="Resolve(string)"/> with the environment given (for tests).</summary>
    public static string Resolve(string model, Func<string, string?> environment)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        if (Directory.Exists(model)) return Path.GetFullPath(model);
        if (!IsHubName(model)) throw new DirectoryNotFoundException($"model folder '{model}' does not exist");

        var caches = CacheFolders(environment).ToList();
        string folderName = "models--" + model.Replace("/", "--", StringComparison.Ordinal);
        foreach (string cache in caches)
            if (Snapshot(Path.Combine(cache, folderName)) is { } snapshot) return snapshot;
        throw new DirectoryNotFoundException(
            $"model '{model}' is not a folder and is not in the Hugging Face cache (looked in {string.Join(", ", caches.Select(c => Path.Combine(c, folderName)))}). " +
            $"Download it first, e.g. `hf download {model}` (or `huggingface-cli download {model}`), or pass the model folder's path.");
    }

    /// <summary>"org/name": one slash, no path-like start.</summary>
    private static bool IsHubName(string model) =>
        model.Count(c => c == '/') == 1 && !model.StartsWith('/') && !model.StartsWith('.') && !model.StartsWith('~') &&
        !model.EndsWith('/') && !model.Contains('\\');

    /// <summary>The cache folders, in the order huggingface_hub consults them.</summary>
    private static IEnumerable<string> CacheFolders(Func<string, string?> environment)
    {
        if (environment("HF_HUB_CACHE") is { Length: > 0 } hub) yield return hub;
        if (environment("HF_HOME") is { Length: > 0 } home) yield return Path.Combine(home, "hub");
        string xdg = environment("XDG_CACHE_HOME") is { Length: > 0 } x ? x
            : Path.Combine(environment("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        yield return Path.Combine(xdg, "huggingface", "hub");
    }

    /// <summary>snapshots/&lt;refs/main&gt;, or the only snapshot when there is no ref; null when absent.</summary>
    private static string? Snapshot(string repoFolder)
    {
        string snapshots = Path.Combine(repoFolder, "snapshots");
        if (!Directory.Exists(snapshots)) return null;
        string refFile = Path.Combine(repoFolder, "refs", "main");
        if (File.Exists(refFile))
        {
            string revision = File.ReadAllText(refFile).Trim();
            string folder = Path.Combine(snapshots, revision);
            return revision.Length > 0 && Directory.Exists(folder) ? folder : null;
        }
        var all = Directory.GetDirectories(snapshots);
        return all.Length == 1 ? all[0] : null;
    }
}
