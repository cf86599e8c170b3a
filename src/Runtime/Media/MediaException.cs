// PruneVid.NET — media input.
namespace PruneVid.Runtime.Media;

/// <summary>A video or image could not be read: the message says what was wrong and, where possible, how to fix it.</summary>
public sealed class MediaException : Exception
{
    public MediaException(string message) : base(message) { }

    public MediaException(string message, Exception inner) : base(message, inner) { }
}
