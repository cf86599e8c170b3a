// PruneVid.NET — language model: decoding settings.
using PruneVid.Runtime.Config;

namespace PruneVid.Runtime.Model.Text;

/// <summary>
/// How tokens are chosen and when generation stops. HF order of the logit processors (docs/model.md §4.6):
/// repetition penalty → temperature → top-k → top-p → sample. <see cref="DoSample"/> false is greedy (argmax,
/// lowest index on ties) after the repetition penalty.
/// </summary>
public sealed record SamplingOptions
{
    /// <summary>Upper bound on generated tokens (the stop token included).</summary>
    public int MaxNewTokens { get; init; } = 128;

    /// <summary>Sample from the distribution (true) or take the argmax (false).</summary>
    public bool DoSample { get; init; }

    /// <summary>Logits are divided by this before sampling (ignored when greedy).</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Keep only the k most likely tokens (0 disables; HF default 50).</summary>
    public int TopK { get; init; } = 50;

    /// <summary>Nucleus sampling: keep the smallest set of tokens with probability mass ≥ top_p (1 disables).</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>HF repetition penalty over every id already in the sequence (prompt included); 1 disables.</summary>
    public double RepetitionPenalty { get; init; } = 1.0;

    /// <summary>Generation stops after producing one of these ids.</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    /// <summary>Seed of the sampling random generator (null: nondeterministic).</summary>
    public int? Seed { get; init; }

    /// <summary>Plain greedy decoding with the model's stop ids.</summary>
    public static SamplingOptions Greedy(Qwen25VLConfig config, int maxNewTokens) => new()
    {
        MaxNewTokens = maxNewTokens,
        EosTokenIds = config.EosTokenIds,
    };

    /// <summary>
    /// Defaults from <c>generation_config.json</c> when present (absent fields keep HF's defaults); stop ids from the
    /// generation config, else from the model config.
    /// </summary>
    public static SamplingOptions FromGenerationConfig(Qwen25VLConfig config, GenerationConfig? generation)
    {
        ArgumentNullException.ThrowIfNull(config);
        var options = new SamplingOptions { EosTokenIds = config.EosTokenIds };
        if (generation is null) return options;
        return options with
        {
            DoSample = generation.DoSample ?? options.DoSample,
            Temperature = generation.Temperature ?? options.Temperature,
            TopK = generation.TopK ?? options.TopK,
            TopP = generation.TopP ?? options.TopP,
            RepetitionPenalty = generation.RepetitionPenalty ?? options.RepetitionPenalty,
            EosTokenIds = generation.EosTokenIds is { Length: > 0 } eos ? eos : options.EosTokenIds,
            MaxNewTokens = generation.MaxNewTokens ?? options.MaxNewTokens,
        };
    }

    /// <summary>Throws when a setting is out of range.</summary>
    public void Validate()
    {
        if (MaxNewTokens < 0) throw new ArgumentOutOfRangeException(nameof(MaxNewTokens), MaxNewTokens, "must be non-negative");
        if (DoSample && !(Temperature > 0)) throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "must be positive when sampling");
        if (TopK < 0) throw new ArgumentOutOfRangeException(nameof(TopK), TopK, "must be non-negative (0 disables)");
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentOutOfRangeException(nameof(TopP), TopP, "must be in (0, 1]");
        if (!(RepetitionPenalty > 0)) throw new ArgumentOutOfRangeException(nameof(RepetitionPenalty), RepetitionPenalty, "must be positive");
    }

    /// <summary>True when the token can be chosen on the device by argmax alone (no host-side logit processing).</summary>
    public bool IsPlainGreedy => !DoSample && RepetitionPenalty == 1.0;
}
