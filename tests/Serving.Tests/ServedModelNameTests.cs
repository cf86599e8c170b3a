// PruneVid.NET — serve: the model name clients see by default is never a local path.
using PruneVid.Cli.Serve;

namespace PruneVid.Serving.Tests;

public sealed class ServedModelNameTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "prunevid-names-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public void TheDefaultNameIsTheHubIdOrTheFolderName()
    {
        string folder = Directory.CreateDirectory(Path.Combine(_root, "my-model")).FullName;
        Assert.Equal("my-model", ServeCommand.DefaultModelName(folder, folder));
        Assert.Equal("my-model", ServeCommand.DefaultModelName(folder + "/", folder));

        string snapshot = Directory.CreateDirectory(Path.Combine(_root, "models--Qwen--Qwen2.5-VL-7B-Instruct", "snapshots", "0123abcd")).FullName;
        Assert.Equal("Qwen/Qwen2.5-VL-7B-Instruct", ServeCommand.DefaultModelName(snapshot, snapshot));
        // A hub id resolved from the cache keeps the id as typed.
        Assert.Equal("Qwen/Qwen2.5-VL-7B-Instruct", ServeCommand.DefaultModelName("Qwen/Qwen2.5-VL-7B-Instruct", snapshot));
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
