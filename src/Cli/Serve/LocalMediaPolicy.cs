// PruneVid.NET — serve: which local files a request may name.
namespace PruneVid.Cli.Serve;

/// <summary>
/// Local media (<c>file://</c> URLs and bare paths) are refused unless the server was given a folder
/// (<c>--allowed-local-media-path</c>); then only files whose canonical path — <c>..</c> and every symbolic link
/// resolved — lies inside that folder are read. Every refusal is the same sentence, so a client learns nothing about
/// which files exist outside the folder.
/// </summary>
internal sealed class LocalMediaPolicy
{
    private const int MaxLinkDepth = 40;
    private readonly string? _root;

    /// <summary>A policy over <paramref name="allowedFolder"/> (null: no local file is read).</summary>
    /// <exception cref="ArgumentException">The folder does not exist.</exception>
    public LocalMediaPolicy(string? allowedFolder)
    {
        if (allowedFolder is null) return;
        string? canonical = Canonical(allowedFolder);
        if (canonical is null || !Directory.Exists(canonical))
            throw new ArgumentException($"--allowed-local-media-path '{allowedFolder}' is not a folder");
        _root = canonical.EndsWith(Path.DirectorySeparatorChar) ? canonical : canonical + Path.DirectorySeparatorChar;
    }

    /// <summary>True when some local files may be read.</summary>
    public bool Enabled => _root is not null;

    /// <summary>True when <paramref name="url"/> names a local file: a <c>file:</c> URL or a path.</summary>
    public static bool IsLocal(string url) =>
        url.StartsWith("file:", StringComparison.OrdinalIgnoreCase) || url.StartsWith('/') || url.StartsWith('.') || url.StartsWith('~')
        || url.StartsWith('\\') || (url.Length > 2 && char.IsAsciiLetter(url[0]) && url[1] == ':' && url[2] is '\\' or '/');

    /// <summary>The canonical path of the file <paramref name="url"/> names, when it may be read; a 400 otherwise.</summary>
    public string Resolve(string url, string param)
    {
        if (_root is null)
            throw new OpenAiError(400, $"{param}: local file paths are refused by this server; send the media inline as a data: URL" +
                " (the server reads local files only from a folder given with --allowed-local-media-path).", param, "local_media_refused");
        string? path = LocalPath(url);
        string? canonical = path is null ? null : Canonical(path);
        if (canonical is null || !canonical.StartsWith(_root, StringComparison.Ordinal) || !File.Exists(canonical))
            throw new OpenAiError(400, $"{param}: no readable media at that path; this server reads local files only inside its allowed media folder.",
                param, "local_media_refused");
        return canonical;
    }

    /// <summary>The path a <c>file:</c> URL (percent-decoded; no host but localhost) or a bare path names; null when malformed.</summary>
    private static string? LocalPath(string url)
    {
        if (!url.StartsWith("file:", StringComparison.OrdinalIgnoreCase)) return url.StartsWith('/') ? url : null;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !uri.IsFile) return null;
        if (!string.IsNullOrEmpty(uri.Host) && !uri.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return null; // file://host/… (a share)
        if (uri.IsUnc) return null;
        return uri.LocalPath; // percent-decoded, so %2e%2e is resolved below like ..
    }

    /// <summary>
    /// <paramref name="path"/> with <c>.</c>, <c>..</c> and every symbolic link along it resolved (what realpath
    /// gives); null when a link loops or the path is malformed.
    /// </summary>
    internal static string? Canonical(string path, int depth = 0)
    {
        if (depth > MaxLinkDepth || path.Contains('\0')) return null;
        string full;
        try { full = Path.GetFullPath(path); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException) { return null; }
        string root = Path.GetPathRoot(full)!;
        string current = root;
        string[] parts = full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < parts.Length; i++)
        {
            string next = Path.Combine(current, parts[i]);
            FileSystemInfo info = new FileInfo(next);
            string? target;
            try { target = info.LinkTarget; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
            if (target is not null)
            {
                // A link: continue from what it points to (relative to the link's folder), with the rest of the path.
                string rest = string.Join(Path.DirectorySeparatorChar, parts[(i + 1)..]);
                string resolved = Path.Combine(Path.IsPathRooted(target) ? target : Path.Combine(current, target), rest);
                return Canonical(resolved, depth + 1);
            }
            current = next;
        }
        return current;
    }
}
