// PruneVid.NET — chat prompt.
namespace PruneVid.Runtime.Text;

/// <summary>
/// Builds the usual video-QA prompt: an optional system message, one user turn holding videos/images and text,
/// then the assistant prefix. Each vision item carries its placeholder count explicitly, so a token reducer
/// that keeps fewer tokens than t·h·w/4 gets exactly as many placeholders as tokens kept.
/// </summary>
/// <example><code>
/// var prompt = new PromptBuilder().AddVideo(grid: (4, 18, 30)).AddText("What is happening in this video?").Build();
/// int[] ids = prompt.Tokenize(tokenizer);
/// </code></example>
public sealed class PromptBuilder
{
    private readonly List<ChatContent> _user = new();
    private string? _system;

    /// <summary>Uses <paramref name="systemPrompt"/> as the system message instead of the template's default.</summary>
    public PromptBuilder WithSystem(string systemPrompt)
    {
        _system = systemPrompt ?? throw new ArgumentNullException(nameof(systemPrompt));
        return this;
    }

    /// <summary>Adds a video seen as <paramref name="placeholderCount"/> vision tokens.</summary>
    public PromptBuilder AddVideo(int placeholderCount)
    {
        if (placeholderCount <= 0) throw new ArgumentOutOfRangeException(nameof(placeholderCount), placeholderCount, "a video needs at least one placeholder token");
        _user.Add(ChatContent.Video(placeholderCount));
        return this;
    }

    /// <summary>Adds an unreduced video with patch grid <paramref name="grid"/>: t·h·w / merge² placeholders.</summary>
    public PromptBuilder AddVideo((int T, int H, int W) grid, int spatialMergeSize = 2) =>
        AddVideo(PlaceholdersFor(grid, spatialMergeSize));

    /// <summary>Adds an image seen as <paramref name="placeholderCount"/> vision tokens.</summary>
    public PromptBuilder AddImage(int placeholderCount)
    {
        if (placeholderCount <= 0) throw new ArgumentOutOfRangeException(nameof(placeholderCount), placeholderCount, "an image needs at least one placeholder token");
        _user.Add(ChatContent.Image(placeholderCount));
        return this;
    }

    /// <summary>Adds an unreduced image with patch grid <paramref name="grid"/>.</summary>
    public PromptBuilder AddImage((int T, int H, int W) grid, int spatialMergeSize = 2) =>
        AddImage(PlaceholdersFor(grid, spatialMergeSize));

    /// <summary>Adds text to the user turn.</summary>
    public PromptBuilder AddText(string text)
    {
        _user.Add(ChatContent.Text(text ?? throw new ArgumentNullException(nameof(text))));
        return this;
    }

    /// <summary>The messages and their rendered template string.</summary>
    public ChatPrompt Build()
    {
        if (_user.Count == 0) throw new InvalidOperationException("the prompt has no user content: add a video, an image or text");
        var messages = new List<ChatMessage>();
        if (_system is not null) messages.Add(new ChatMessage(ChatRole.System, [ChatContent.Text(_system)]));
        messages.Add(new ChatMessage(ChatRole.User, _user.ToArray()));
        return new ChatPrompt(messages, ChatTemplate.Render(messages));
    }

    /// <summary>Vision tokens of an unreduced grid: t·h·w / merge²; h and w must be multiples of the merge size.</summary>
    public static int PlaceholdersFor((int T, int H, int W) grid, int spatialMergeSize = 2)
    {
        if (grid.T <= 0 || grid.H <= 0 || grid.W <= 0 || spatialMergeSize <= 0 || grid.H % spatialMergeSize != 0 || grid.W % spatialMergeSize != 0)
            throw new ArgumentOutOfRangeException(nameof(grid), grid, $"grid (t,h,w) must be positive with h and w multiples of {spatialMergeSize}");
        return grid.T * grid.H * grid.W / (spatialMergeSize * spatialMergeSize);
    }
}

/// <summary>A rendered prompt: the messages and the exact template string the model is fed.</summary>
public sealed record ChatPrompt(IReadOnlyList<ChatMessage> Messages, string Text)
{
    /// <summary>Token ids of <see cref="Text"/>.</summary>
    public int[] Tokenize(QwenTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        return tokenizer.Encode(Text);
    }
}
