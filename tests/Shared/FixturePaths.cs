// PruneVid.NET — test support.
namespace PruneVid.Tests;

/// <summary>Locates the repository root and the shared reference fixtures (../shared/fixtures beside the clone).</summary>
internal static class FixturePaths
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    /// <summary>The folder holding PruneVid.sln.</summary>
    public static string RepositoryRoot => s_root.Value;

    /// <summary>../shared/fixtures relative to the repository root.</summary>
    public static string Fixtures => Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "fixtures"));

    /// <summary>A path inside the fixtures folder; fails clearly when the fixtures are not laid out beside the clone.</summary>
    public static string Get(params string[] parts)
    {
        string path = Path.Combine([Fixtures, .. parts]);
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new FileNotFoundException($"fixture '{path}' not found: the reference fixtures must be at ../shared/fixtures beside the repository", path);
        return path;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PruneVid.sln"))) return dir.FullName;
        throw new InvalidOperationException("PruneVid.sln not found above " + AppContext.BaseDirectory);
    }
}
