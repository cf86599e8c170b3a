// PruneVid.NET — chat: the log-probability of a generated token (OpenAI's logprobs.content entries).
namespace PruneVid.Runtime.Chat;

/// <summary>
/// A generated token with its log-probability under the model's raw next-token distribution (log-softmax of the logits,
/// before temperature, top-p/top-k and the repetition penalty), and the most likely alternatives at that step.
/// </summary>
/// <param name="Token">The token's text (its UTF-8 bytes decoded; a piece of a multi-byte character shows as U+FFFD).</param>
/// <param name="Logprob">Natural log of its probability.</param>
/// <param name="Bytes">The token's UTF-8 bytes.</param>
/// <param name="Top">The most likely tokens at that step, most likely first (empty unless asked for).</param>
public sealed record TokenLogprob(string Token, double Logprob, byte[] Bytes, IReadOnlyList<TokenLogprob> Top);
