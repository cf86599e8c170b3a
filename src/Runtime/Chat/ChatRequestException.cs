// PruneVid.NET — chat: a request the pipeline cannot answer as given.
namespace PruneVid.Runtime.Chat;

/// <summary>
/// A chat request that cannot be answered as given (no video, two videos, an option out of range, an unknown
/// strategy …). The message is a sentence for the user; <see cref="Param"/> names the offending field when there is one.
/// </summary>
public sealed class ChatRequestException(string message, string? param = null, Exception? inner = null)
    : ArgumentException(message, inner)
{
    /// <summary>The request field at fault (OpenAI's <c>param</c>), e.g. <c>temperature</c> or <c>prunevid.strategy</c>.</summary>
    public string? Param { get; } = param;

    /// <inheritdoc />
    public override string Message => base.Message.Split(" (Parameter", 2)[0];
}
