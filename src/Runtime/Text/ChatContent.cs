// PruneVid.NET — chat prompt.
namespace PruneVid.Runtime.Text;

/// <summary>One item of a chat message: text, an image or a video, rendered in order with no separators.</summary>
public abstract record ChatContent
{
    /// <summary>Plain text, inserted verbatim.</summary>
    public static ChatContent Text(string text) => new TextContent(text);

    /// <summary>
    /// A video that the model sees as <paramref name="placeholderCount"/> <c>&lt;|video_pad|&gt;</c> tokens: one per
    /// vision token kept (t·h·w/4 for an unreduced grid, fewer after a token reducer).
    /// </summary>
    public static ChatContent Video(int placeholderCount) => new VideoContent(placeholderCount);

    /// <summary>An image seen as <paramref name="placeholderCount"/> <c>&lt;|image_pad|&gt;</c> tokens.</summary>
    public static ChatContent Image(int placeholderCount) => new ImageContent(placeholderCount);
}

/// <summary>Text inserted verbatim.</summary>
public sealed record TextContent(string Value) : ChatContent;

/// <summary>A video: <c>&lt;|vision_start|&gt;</c>, <see cref="PlaceholderCount"/> × <c>&lt;|video_pad|&gt;</c>, <c>&lt;|vision_end|&gt;</c>.</summary>
public sealed record VideoContent(int PlaceholderCount) : ChatContent;

/// <summary>An image: <c>&lt;|vision_start|&gt;</c>, <see cref="PlaceholderCount"/> × <c>&lt;|image_pad|&gt;</c>, <c>&lt;|vision_end|&gt;</c>.</summary>
public sealed record ImageContent(int PlaceholderCount) : ChatContent;

/// <summary>Who speaks a chat message.</summary>
public enum ChatRole { System, User, Assistant }

/// <summary>One chat turn.</summary>
public sealed record ChatMessage(ChatRole Role, IReadOnlyList<ChatContent> Content);
