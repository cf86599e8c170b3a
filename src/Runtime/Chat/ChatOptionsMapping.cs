// PruneVid.NET — chat: Microsoft.Extensions.AI options → pipeline settings.
using System.Globalization;
using Microsoft.Extensions.AI;
using PruneVid.Runtime.Model.Text;
using PruneVid.Runtime.Pipeline;

namespace PruneVid.Runtime.Chat;

/// <summary>
/// Maps <see cref="ChatOptions"/> onto decoding settings and the per-request strategy, refusing values the
/// pipeline would misread (with a sentence naming the option).
/// </summary>
internal static class ChatOptionsMapping
{
    /// <summary>Most tokens one request may ask for.</summary>
    public const int MaxOutputTokensLimit = 8192;

    /// <summary>Tokens generated when a request does not say (OpenAI's servers answer until the model stops; a bound keeps one request from holding the model).</summary>
    public const int DefaultMaxOutputTokens = 256;

    public static SamplingOptions Sampling(VideoQaPipeline pipeline, ChatOptions? options)
    {
        int max = options?.MaxOutputTokens ?? DefaultMaxOutputTokens;
        if (max < 1 || max > MaxOutputTokensLimit)
            throw new ChatRequestException($"max_tokens must be between 1 and {MaxOutputTokensLimit}; it was {max}.", "max_tokens");
        var sampling = pipeline.DefaultSampling(max);
        if (options?.Temperature is float t)
        {
            if (!(t >= 0 && t <= 2)) throw new ChatRequestException($"temperature must be between 0 and 2; it was {t.ToString(CultureInfo.InvariantCulture)}.", "temperature");
            // 0 means greedy, as on OpenAI's servers.
            sampling = t == 0 ? sampling with { DoSample = false } : sampling with { DoSample = true, Temperature = t };
        }
        if (options?.TopP is float p)
        {
            if (!(p > 0 && p <= 1)) throw new ChatRequestException($"top_p must be greater than 0 and at most 1; it was {p.ToString(CultureInfo.InvariantCulture)}.", "top_p");
            sampling = sampling with { TopP = p };
        }
        if (options?.TopK is int k)
        {
            if (k < 0) throw new ChatRequestException($"top_k must be 0 (off) or positive; it was {k}.", "top_k");
            sampling = sampling with { TopK = k };
        }
        if (options?.Seed is long seed)
        {
            if (seed is < int.MinValue or > int.MaxValue) throw new ChatRequestException($"seed must fit in 32 bits; it was {seed}.", "seed");
            sampling = sampling with { Seed = (int)seed };
        }
        return sampling;
    }

    /// <summary>Alternatives per token when log-probabilities are asked for (<see cref="PruneVidChatClient.TopLogprobsKey"/>), else null.</summary>
    public static int? TopLogprobs(ChatOptions? options)
    {
        if (options?.AdditionalProperties?.TryGetValue(PruneVidChatClient.TopLogprobsKey, out object? value) != true || value is null) return null;
        int top = value switch
        {
            int i => i,
            long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
            _ => throw new ChatRequestException("top_logprobs must be an integer.", "top_logprobs"),
        };
        if (top is < 0 or > LogprobCollector.MaxTop)
            throw new ChatRequestException($"top_logprobs must be between 0 and {LogprobCollector.MaxTop}; it was {top}.", "top_logprobs");
        return top;
    }

    public static IReadOnlyList<string> StopSequences(ChatOptions? options) =>
        options?.StopSequences is { Count: > 0 } stops ? [.. stops.Where(s => !string.IsNullOrEmpty(s))] : [];

    /// <summary>
    /// The pipeline to run: the shared one, or a view over the same model with the request's strategy spec and
    /// parameters. The spec goes to the pipeline untouched, so whatever it accepts (names, presets, chains) works here.
    /// </summary>
    public static (VideoQaPipeline Pipeline, bool IsView) Strategy(VideoQaPipeline shared, ChatOptions? options)
    {
        var extra = options?.AdditionalProperties;
        string? spec = null;
        if (extra?.TryGetValue(PruneVidChatClient.StrategyKey, out object? s) == true && s is not null)
            spec = s as string ?? throw new ChatRequestException("the strategy must be a string such as \"prunevid-stage1:aggressive\".", "prunevid.strategy");
        string? parameters = null;
        if (extra?.TryGetValue(PruneVidChatClient.ParametersKey, out object? p) == true && p is not null)
            parameters = FormatParameters(p);
        if (spec is null && parameters is null) return (shared, false);
        if (spec is not null && string.IsNullOrWhiteSpace(spec))
            throw new ChatRequestException("the strategy is empty; name a reducer from `prunevid strategies`.", "prunevid.strategy");
        try
        {
            // Parameters without a strategy tune the server's own reducer.
            return (shared.WithStrategy(spec ?? shared.Options.Strategy, parameters), true);
        }
        catch (ArgumentException e)
        {
            throw new ChatRequestException(e.Message, parameters is null ? "prunevid.strategy" : "prunevid.params", e);
        }
    }

    /// <summary>"a=1,b=2" from a string or a name → value map (numbers, booleans, strings).</summary>
    private static string FormatParameters(object value)
    {
        if (value is string text) return text;
        if (value is not IEnumerable<KeyValuePair<string, object?>> pairs)
            throw new ChatRequestException("the strategy parameters must be an object of name → value (or \"name=value,…\").", "prunevid.params");
        var parts = new List<string>();
        foreach (var (name, v) in pairs)
        {
            string formatted = v switch
            {
                bool b => b ? "true" : "false",
                string str => str,
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => throw new ChatRequestException($"strategy parameter '{name}' must be a number, a boolean or a string.", "prunevid.params"),
            };
            if (name.IndexOfAny([',', '=']) >= 0 || formatted.IndexOfAny([',', '=']) >= 0)
                throw new ChatRequestException($"strategy parameter '{name}' must not contain ',' or '='.", "prunevid.params");
            parts.Add($"{name}={formatted}");
        }
        return string.Join(",", parts);
    }
}
