// PruneVid.NET — serving tests: --model names resolved to the local Hugging Face cache.
using PruneVid.Runtime.Pipeline;

namespace PruneVid.Serving.Tests;

public sealed class ModelLocatorTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "prunevid-hub-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>A hub cache laid out as huggingface_hub writes it: refs/main naming a snapshot folder.</summary>
    private string Cache(string cache, string repo, string revision, bool writeRef = true)
    {
        string folder = Path.Combine(cache, "models--" + repo.Replace("/", "--"));
        string snapshot = Path.Combine(folder, "snapshots", revision);
        Directory.CreateDirectory(snapshot);
        if (writeRef)
        {
            Directory.CreateDirectory(Path.Combine(folder, "refs"));
            File.WriteAllText(Path.Combine(folder, "refs", "main"), revision + "\n");
        }
        return snapshot;
    }

    [Fact]
    public void HubNamesResolveThroughHFHUBCACHEThenHFHOMEThenTheHomeCache()
    {
        string hub = Path.Combine(_root, "hub-cache"), home = Path.Combine(_root, "hf-home"), user = Path.Combine(_root, "user");
        string inHome = Cache(Path.Combine(home, "hub"), "Qwen/Qwen2.5-VL-7B-Instruct", "abc123");
        Cache(Path.Combine(home, "hub"), "Qwen/Qwen2.5-VL-7B-Instruct", "old", writeRef: false);   // refs/main decides, not the folder count
        string inUser = Cache(Path.Combine(user, ".cache", "huggingface", "hub"), "Qwen/Qwen2.5-VL-3B-Instruct", "def456", writeRef: false);
        var env = new Dictionary<string, string?> { ["HF_HUB_CACHE"] = hub, ["HF_HOME"] = home, ["HOME"] = user };
        string? Env(string name) => env.GetValueOrDefault(name);

        Assert.Equal(inHome, ModelLocator.Resolve("Qwen/Qwen2.5-VL-7B-Instruct", Env));
        Assert.Equal(inUser, ModelLocator.Resolve("Qwen/Qwen2.5-VL-3B-Instruct", Env));   // one snapshot, no ref
        string inHub = Cache(hub, "Qwen/Qwen2.5-VL-7B-Instruct", "fff999");
        Assert.Equal(inHub, ModelLocator.Resolve("Qwen/Qwen2.5-VL-7B-Instruct", Env));    // HF_HUB_CACHE first
        Assert.Equal(Path.GetFullPath(inUser), ModelLocator.Resolve(inUser, Env));          // a folder stays a folder

        var missing = Assert.Throws<DirectoryNotFoundException>(() => ModelLocator.Resolve("Qwen/Not-There", Env));
        Assert.Contains(Path.Combine(hub, "models--Qwen--Not-There"), missing.Message);
        Assert.Contains(Path.Combine(home, "hub", "models--Qwen--Not-There"), missing.Message);
        Assert.Contains("hf download Qwen/Not-There", missing.Message);
        Assert.Contains("does not exist", Assert.Throws<DirectoryNotFoundException>(() => ModelLocator.Resolve("/no/such/folder/here", Env)).Message);
    }

    [Fact]
    public void TheCommandLineExplainsAMissingModelAndARefusedSettingInSentences()
    {
        var (code, error) = Cli("run", "--model", "Qwen/Not-In-Any-Cache", "--video", "x.mp4", "--question", "q");
        Assert.Equal(1, code);
        Assert.Contains("is not in the Hugging Face cache", error);
        Assert.Contains("hf download Qwen/Not-In-Any-Cache", error);
        Assert.DoesNotContain("   at ", error);

        (code, error) = Cli("serve", "--model", _root, "--max-concurrency", "0");
        Assert.Equal(1, code);
        Assert.Contains("--max-concurrency must be between 1 and 64", error);
    }

    private (int Code, string Error) Cli(params string[] args)
    {
        Directory.CreateDirectory(_root);
        var (code, _, error) = CliProcess.Run(args, TimeSpan.FromMinutes(2), new Dictionary<string, string?> { ["HF_HUB_CACHE"] = Path.Combine(_root, "empty-cache") });
        return (code, error);
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
