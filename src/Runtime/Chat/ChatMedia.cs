// PruneVid.NET — chat: a video or image from a message, as a local file.
using Microsoft.Extensions.AI;

namespace PruneVid.Runtime.Chat;

/// <summary>One video or image of a message: bytes (<see cref="DataContent"/>) or a local file (<see cref="UriContent"/>).</summary>
internal sealed class ChatMedia
{
    private readonly ReadOnlyMemory<byte>? _bytes;
    private readonly string? _path;
    private readonly string _mediaType;

    private ChatMedia(ReadOnlyMemory<byte>? bytes, string? path, string mediaType, bool isVideo) =>
        (_bytes, _path, _mediaType, IsVideo) = (bytes, path, mediaType, isVideo);

    public bool IsVideo { get; }

    /// <summary>The media in <paramref name="content"/>, or null when it is neither a video nor an image.</summary>
    public static ChatMedia? From(AIContent content)
    {
        switch (content)
        {
            case DataContent data when data.HasTopLevelMediaType("video") || data.HasTopLevelMediaType("image"):
                return new ChatMedia(data.Data, null, data.MediaType, data.HasTopLevelMediaType("video"));
            case UriContent uri when uri.HasTopLevelMediaType("video") || uri.HasTopLevelMediaType("image"):
                if (!uri.Uri.IsAbsoluteUri || !uri.Uri.IsFile)
                    throw new ChatRequestException($"'{uri.Uri}' is not a local file; pass a file path or the bytes (remote media is not fetched in process).", "messages");
                return new ChatMedia(null, uri.Uri.LocalPath, uri.MediaType, uri.HasTopLevelMediaType("video"));
            default:
                return null;
        }
    }

    /// <summary>The file to read, and the temporary file written for bytes (null when the media was a path).</summary>
    public (MediaFile File, string? Temporary) ToFile()
    {
        string kind = IsVideo ? "video" : "image";
        if (_path is not null)
            return File.Exists(_path) ? (new MediaFile(_path, IsVideo), null) : throw new ChatRequestException($"{kind} file '{_path}' not found.", "messages");
        if (_bytes is not { Length: > 0 } bytes) throw new ChatRequestException($"the {kind} is empty.", "messages");
        string file = Path.Combine(Path.GetTempPath(), $"prunevid-{Guid.NewGuid():N}{Extension(_mediaType)}");
        using (var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write)) stream.Write(bytes.Span);
        return (new MediaFile(file, IsVideo), file);
    }

    /// <summary>A file extension for the media type (ffmpeg reads the content either way; the extension helps it guess).</summary>
    private static string Extension(string mediaType)
    {
        string sub = mediaType.Split('/', 2).ElementAtOrDefault(1)?.Split(';')[0].Trim().ToLowerInvariant() ?? "";
        return sub switch
        {
            "jpeg" => ".jpg",
            "quicktime" => ".mov",
            "x-matroska" => ".mkv",
            "" or "*" => ".bin",
            _ when sub.All(char.IsAsciiLetterOrDigit) => "." + sub,
            _ => ".bin",
        };
    }
}
