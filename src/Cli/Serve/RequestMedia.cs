// PruneVid.NET — serve: media URLs of a request, as local files checked against the limits.
using Microsoft.Extensions.AI;
using PruneVid.Runtime.Media;

namespace PruneVid.Cli.Serve;

/// <summary>
/// Turns <c>data:…;base64,</c> URLs, local paths (only inside <c>--allowed-local-media-path</c>, see
/// <see cref="LocalMediaPolicy"/>) and (with <c>--allow-remote-media</c>) <c>http(s)://</c> URLs (see
/// <see cref="RemoteMediaFetcher"/>) into local files, probes each (unreadable media and videos over the limits are
/// refused before the request queues) and deletes the files it wrote when disposed. No message names a local path.
/// </summary>
internal sealed class RequestMedia(ServeSettings settings, LocalMediaPolicy local, RemoteMediaFetcher remote, SemaphoreSlim probes) : IDisposable
{
    private readonly List<string> _temporary = [];

    /// <summary>The request's messages as Microsoft.Extensions.AI messages, each media part a local file.</summary>
    public async Task<List<ChatMessage>> ResolveAsync(IReadOnlyList<RequestMessage> messages, CancellationToken cancellationToken)
    {
        var result = new List<ChatMessage>();
        foreach (var message in messages)
        {
            var contents = new List<AIContent>();
            foreach (object part in message.Parts)
                contents.Add(part is MediaPart media ? await FileAsync(media, cancellationToken).ConfigureAwait(false) : new TextContent((string)part));
            result.Add(new ChatMessage(message.Role, contents));
        }
        return result;
    }

    private async Task<UriContent> FileAsync(MediaPart part, CancellationToken cancellationToken)
    {
        string kind = part.IsVideo ? "video" : "image";
        string path = await LocalFileAsync(part, kind, cancellationToken).ConfigureAwait(false);
        VideoInfo info;
        await probes.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            info = await new VideoDecoder().ProbeAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is MediaException or FileNotFoundException)
        {
            throw OpenAiError.BadRequest($"the {kind} at {part.Param} cannot be read: {OpenAiError.WithoutPaths(e.Message)}", part.Param, "invalid_media");
        }
        finally
        {
            probes.Release();
        }
        if (part.IsVideo && settings.MaxVideoSeconds is double limit && info.Duration.TotalSeconds > limit)
            throw OpenAiError.BadRequest($"the video is {info.Duration.TotalSeconds:0.#} s long; this server accepts videos up to {limit:0.#} s.",
                part.Param, "video_too_long");
        return new UriContent(new Uri(path), part.IsVideo ? "video/mp4" : "image/png");
    }

    private async Task<string> LocalFileAsync(MediaPart part, string kind, CancellationToken cancellationToken)
    {
        string url = part.Url;
        if (url.StartsWith("data:", StringComparison.OrdinalIgnoreCase)) return WriteDataUrl(url, part, kind);
        if (LocalMediaPolicy.IsLocal(url)) return local.Resolve(url, part.Param);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
            throw OpenAiError.BadRequest($"{part.Param} is not a URL; use data:, http(s):// or a file:// URL.", part.Param, "invalid_media");
        if (uri.Scheme is not ("http" or "https"))
            throw OpenAiError.BadRequest($"{part.Param} has the scheme '{uri.Scheme}'; use data:, http(s):// or a file:// URL.", part.Param, "invalid_media");
        if (!settings.AllowRemoteMedia)
            throw OpenAiError.BadRequest("remote media URLs are refused; start the server with --allow-remote-media, or send a data: URL.",
                part.Param, "remote_media_refused");
        string file = NewTemporaryFile();
        await remote.FetchAsync(uri, file, kind, part.Param, cancellationToken).ConfigureAwait(false);
        return file;
    }

    private string WriteDataUrl(string url, MediaPart part, string kind)
    {
        int comma = url.IndexOf(',');
        string header = comma < 0 ? "" : url[5..comma];
        if (comma < 0 || !header.EndsWith(";base64", StringComparison.OrdinalIgnoreCase))
            throw OpenAiError.BadRequest($"{part.Param} must be a base64 data URL (data:{kind}/…;base64,…).", part.Param, "invalid_media");
        byte[] bytes;
        try { bytes = Convert.FromBase64String(url[(comma + 1)..]); }
        catch (FormatException) { throw OpenAiError.BadRequest($"{part.Param} is not valid base64.", part.Param, "invalid_media"); }
        if (bytes.Length == 0) throw OpenAiError.BadRequest($"the {kind} at {part.Param} is empty.", part.Param, "invalid_media");
        string file = NewTemporaryFile();
        File.WriteAllBytes(file, bytes);
        return file;
    }

    private string NewTemporaryFile()
    {
        string file = Path.Combine(Path.GetTempPath(), $"prunevid-serve-{Environment.ProcessId}-{Guid.NewGuid():N}.media");
        _temporary.Add(file);
        return file;
    }

    public void Dispose()
    {
        foreach (string file in _temporary)
            try { File.Delete(file); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
