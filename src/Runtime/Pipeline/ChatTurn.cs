// PruneVid.NET — pipeline: one turn of a conversation, with its media decoded.
using PruneVid.Runtime.Media;
using PruneVid.Runtime.Text;

namespace PruneVid.Runtime.Pipeline;

/// <summary>
/// One turn of a conversation the pipeline answers (<see cref="VideoQaPipeline.GenerateChat"/>): a system, user or
/// assistant message whose parts render in order, as Qwen2.5-VL's chat template renders them. Videos and images may sit
/// in any user turn; system and assistant turns hold text.
/// </summary>
public sealed record ChatTurn(ChatRole Role, IReadOnlyList<ChatPart> Parts)
{
    /// <summary>A system turn (it replaces the template's default "You are a helpful assistant.").</summary>
    public static ChatTurn System(string text) => new(ChatRole.System, [ChatPart.Text(text)]);

    /// <summary>A user turn.</summary>
    public static ChatTurn User(params ChatPart[] parts) => new(ChatRole.User, parts);

    /// <summary>An earlier answer of the model.</summary>
    public static ChatTurn Assistant(string text) => new(ChatRole.Assistant, [ChatPart.Text(text)]);

    /// <summary>The usual video/image question: one user turn, the media first, then the question (which must not be blank).</summary>
    public static ChatTurn Ask(string question, ChatPart media)
    {
        ArgumentNullException.ThrowIfNull(media);
        return User(media, ChatPart.Text(RequireQuestion(question)));
    }

    /// <summary>The one check every question-taking entry of the pipeline shares.</summary>
    internal static string RequireQuestion(string question) =>
        string.IsNullOrWhiteSpace(question) ? throw new ArgumentException("the question is empty: ask something about the video or image", nameof(question)) : question;

    /// <summary>
    /// Refuses conversations the template cannot render into a question for the model: none, one that does not end with
    /// a user turn, a last user turn with neither text nor media, media outside user turns.
    /// </summary>
    public static void Validate(IReadOnlyList<ChatTurn> conversation)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        if (conversation.Count == 0) throw new ArgumentException("the conversation is empty: send at least one user message", nameof(conversation));
        for (int i = 0; i < conversation.Count; i++)
        {
            var turn = conversation[i] ?? throw new ArgumentException($"turn {i} is null", nameof(conversation));
            if (turn.Parts is null || turn.Parts.Any(p => p is null)) throw new ArgumentException($"turn {i} has a null part", nameof(conversation));
            if (turn.Role != ChatRole.User && turn.Parts.Any(p => p is not ChatPart.TextPart))
                throw new ArgumentException($"turn {i} ({turn.Role.ToString().ToLowerInvariant()}) holds media; videos and images belong in user turns", nameof(conversation));
        }
        var last = conversation[^1];
        if (last.Role != ChatRole.User) throw new ArgumentException("the conversation must end with a user turn (the model answers it)", nameof(conversation));
        if (!last.Parts.Any(p => p is not ChatPart.TextPart t || !string.IsNullOrWhiteSpace(t.Value)))
            throw new ArgumentException("the last user turn is empty: ask something, or send a video or an image", nameof(conversation));
    }
}

/// <summary>A part of a <see cref="ChatTurn"/>: text, a video (decoded frames) or an image.</summary>
public abstract record ChatPart
{
    private ChatPart() { }

    /// <summary>Text, inserted verbatim.</summary>
    public static ChatPart Text(string text) => new TextPart(text ?? throw new ArgumentNullException(nameof(text)));

    /// <summary>A video: RGB24 frames sampled at <paramref name="fps"/>.</summary>
    public static ChatPart Video(RgbFrames frames, double fps) =>
        new VideoPart(frames ?? throw new ArgumentNullException(nameof(frames)), fps > 0 && double.IsFinite(fps) ? fps
            : throw new ArgumentOutOfRangeException(nameof(fps), fps, "the sampling rate must be positive"));

    /// <summary>An image: one RGB24 frame.</summary>
    public static ChatPart Image(RgbFrames image) => new ImagePart(image ?? throw new ArgumentNullException(nameof(image)));

    /// <summary>Text.</summary>
    public sealed record TextPart(string Value) : ChatPart;

    /// <summary>A video's frames and their sampling rate.</summary>
    public sealed record VideoPart(RgbFrames Frames, double Fps) : ChatPart;

    /// <summary>An image.</summary>
    public sealed record ImagePart(RgbFrames Frame) : ChatPart;
}
