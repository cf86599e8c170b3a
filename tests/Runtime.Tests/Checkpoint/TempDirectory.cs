// PruneVid.NET — checkpoint loading tests.
namespace PruneVid.Runtime.Tests.Checkpoint;

/// <summary>A scratch folder deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    /// <param name="prefix">Folder name prefix.</param>
    /// <param name="inMemory">Prefer a RAM-backed folder (/dev/shm) where one exists: tests that write hundreds of small
    /// files are disk-bound otherwise.</param>
    public TempDirectory(string prefix, bool inMemory = false)
    {
        if (inMemory && Directory.Exists("/dev/shm"))
        {
            try
            {
                Path = Directory.CreateDirectory(System.IO.Path.Combine("/dev/shm", prefix + Guid.NewGuid().ToString("N"))).FullName;
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // fall through to the ordinary temp folder
            }
        }
        Path = Directory.CreateTempSubdirectory(prefix).FullName;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { /* a still-mapped file on some platforms; the OS temp cleaner gets it */ }
    }
}
