// PruneVid.NET — checkpoint loading tests.
namespace PruneVid.Runtime.Tests.Checkpoint;

/// <summary>A scratch folder deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix) => Path = Directory.CreateTempSubdirectory(prefix).FullName;

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { /* a still-mapped file on some platforms; the OS temp cleaner gets it */ }
    }
}
