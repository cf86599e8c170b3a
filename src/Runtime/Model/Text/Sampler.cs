// PruneVid.NET — language model: host-side token selection.
namespace PruneVid.Runtime.Model.Text;

/// <summary>
/// Chooses the next token from one row of f32 logits following HF's processors (docs/model.md §4.6). Plain greedy
/// decoding does not come here: it runs as an ArgMax on the device and only the id is downloaded.
/// </summary>
public sealed class Sampler
{
    private readonly SamplingOptions _options;
    private readonly Random _random;

    /// <summary>A sampler for <paramref name="options"/> (validated here).</summary>
    public Sampler(SamplingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _random = options.Seed is int seed ? new Random(seed) : new Random();
    }

    /// <summary>Picks a token; <paramref name="logits"/> is modified (penalised, scaled, filtered).</summary>
    public int Next(Span<float> logits, IReadOnlyCollection<int> history)
    {
        if (logits.IsEmpty) throw new ArgumentException("empty logits row", nameof(logits));
        ApplyRepetitionPenalty(logits, history, (float)_options.RepetitionPenalty);
        if (!_options.DoSample) return ArgMax(logits);
        float inverseTemperature = (float)(1.0 / _options.Temperature);
        for (int i = 0; i < logits.Length; i++) logits[i] *= inverseTemperature;
        if (_options.TopK > 0 && _options.TopK < logits.Length) ApplyTopK(logits, _options.TopK);
        if (_options.TopP < 1.0) ApplyTopP(logits, _options.TopP);
        return Sample(logits);
    }

    /// <summary>HF <c>RepetitionPenaltyLogitsProcessor</c>: each distinct id seen so far is divided (positive) or multiplied (negative) by the penalty.</summary>
    public static void ApplyRepetitionPenalty(Span<float> logits, IReadOnlyCollection<int> history, float penalty)
    {
        if (penalty == 1f) return;
        foreach (int id in history is ISet<int> ? history : new HashSet<int>(history))
        {
            if ((uint)id >= (uint)logits.Length) continue;
            float l = logits[id];
            logits[id] = l < 0 ? l * penalty : l / penalty;
        }
    }

    /// <summary>Index of the largest value, the lowest index on ties (torch.argmax).</summary>
    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }

    /// <summary>HF <c>TopKLogitsWarper</c>: everything below the k-th largest value becomes −∞ (ties with it survive).</summary>
    public static void ApplyTopK(Span<float> logits, int k)
    {
        float[] sorted = logits.ToArray();
        Array.Sort(sorted);
        float threshold = sorted[^k];
        for (int i = 0; i < logits.Length; i++) if (logits[i] < threshold) logits[i] = float.NegativeInfinity;
    }

    /// <summary>
    /// HF <c>TopPLogitsWarper</c>: sort ascending, drop the tokens whose cumulative probability is ≤ 1 − top_p; the most
    /// likely token always stays.
    /// </summary>
    public static void ApplyTopP(Span<float> logits, double topP)
    {
        int n = logits.Length;
        int[] order = new int[n];
        float[] keys = logits.ToArray();
        for (int i = 0; i < n; i++) order[i] = i;
        Array.Sort(keys, order); // ascending (stable enough: ties are interchangeable for the mass)
        float max = keys[^1];
        double total = 0;
        var probs = new double[n];
        for (int i = 0; i < n; i++) { probs[i] = float.IsNegativeInfinity(keys[i]) ? 0 : Math.Exp(keys[i] - max); total += probs[i]; }
        double cumulative = 0, cut = 1.0 - topP;
        for (int i = 0; i < n - 1; i++)
        {
            cumulative += probs[i] / total;
            if (cumulative <= cut) logits[order[i]] = float.NegativeInfinity;
            else break;
        }
    }

    private int Sample(ReadOnlySpan<float> logits)
    {
        float max = float.NegativeInfinity;
        foreach (float l in logits) max = Math.Max(max, l);
        double total = 0;
        var weights = new double[logits.Length];
        for (int i = 0; i < logits.Length; i++) { weights[i] = float.IsNegativeInfinity(logits[i]) ? 0 : Math.Exp(logits[i] - max); total += weights[i]; }
        double u = _random.NextDouble() * total;
        for (int i = 0; i < weights.Length; i++)
        {
            u -= weights[i];
            if (u < 0 && weights[i] > 0) return i;
        }
        return ArgMax(logits); // rounding left a sliver of mass: fall back to the most likely token
    }
}
