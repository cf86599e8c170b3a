// PruneVid.NET — chat prompt.
using System.Text;

namespace PruneVid.Runtime.Text;

/// <summary>
/// The Qwen2-VL / Qwen2.5-VL Instruct chat template, written out in C#: a default system turn when the first
/// message is not one, <c>&lt;|im_start|&gt;role\n … &lt;|im_end|&gt;\n</c> per message, each image/video as
/// <c>&lt;|vision_start|&gt;</c> + placeholders + <c>&lt;|vision_end|&gt;</c>, and <c>&lt;|im_start|&gt;assistant\n</c>
/// as the generation prompt. Placeholders are already expanded to the given counts (what the HF processor does
/// after the template).
/// </summary>
public static class ChatTemplate
{
    /// <summary>The system prompt the template injects when the conversation has none.</summary>
    public const string DefaultSystemPrompt = "You are a helpful assistant.";

    /// <summary>Renders <paramref name="messages"/> to the prompt string.</summary>
    /// <param name="messages">The conversation, in order.</param>
    /// <param name="addGenerationPrompt">Append <c>&lt;|im_start|&gt;assistant\n</c> so the model answers next.</param>
    /// <param name="addVisionId">Prefix each image/video with <c>Picture k: </c> / <c>Video k: </c> (template option <c>add_vision_id</c>).</param>
    public static string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true, bool addVisionId = false)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var sb = new StringBuilder();
        int images = 0, videos = 0;
        for (int m = 0; m < messages.Count; m++)
        {
            var message = messages[m] ?? throw new ArgumentException($"message {m} is null", nameof(messages));
            if (m == 0 && message.Role != ChatRole.System)
                sb.Append(QwenSpecialTokens.ImStart).Append("system\n").Append(DefaultSystemPrompt).Append(QwenSpecialTokens.ImEnd).Append('\n');
            sb.Append(QwenSpecialTokens.ImStart).Append(RoleName(message.Role)).Append('\n');
            foreach (var item in message.Content)
            {
                switch (item)
                {
                    case TextContent text:
                        sb.Append(text.Value);
                        break;
                    case ImageContent image:
                        images++;
                        if (addVisionId) sb.Append("Picture ").Append(images).Append(": ");
                        AppendVision(sb, QwenSpecialTokens.ImagePad, image.PlaceholderCount, "image");
                        break;
                    case VideoContent video:
                        videos++;
                        if (addVisionId) sb.Append("Video ").Append(videos).Append(": ");
                        AppendVision(sb, QwenSpecialTokens.VideoPad, video.PlaceholderCount, "video");
                        break;
                    default:
                        throw new ArgumentException($"message {m} has an unsupported content item {item?.GetType().Name ?? "null"}", nameof(messages));
                }
            }
            sb.Append(QwenSpecialTokens.ImEnd).Append('\n');
        }
        if (addGenerationPrompt) sb.Append(QwenSpecialTokens.ImStart).Append("assistant\n");
        return sb.ToString();
    }

    private static void AppendVision(StringBuilder sb, string pad, int count, string kind)
    {
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), count, $"an {kind} needs at least one placeholder token, got {count}");
        sb.Append(QwenSpecialTokens.VisionStart);
        for (int i = 0; i < count; i++) sb.Append(pad);
        sb.Append(QwenSpecialTokens.VisionEnd);
    }

    private static string RoleName(ChatRole role) => role switch
    {
        ChatRole.System => "system",
        ChatRole.User => "user",
        ChatRole.Assistant => "assistant",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "unknown chat role"),
    };
}
