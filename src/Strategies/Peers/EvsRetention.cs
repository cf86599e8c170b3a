// PruneVid.NET — peer reducers: vLLM Efficient Video Sampling.
namespace PruneVid.Strategies.Peers;

/// <summary>
/// vLLM's <c>compute_retention_mask</c> (<c>vllm/multimodal/evs.py</c>), step by step: the dissimilarity of every
/// token to the token at the same cell of the previous temporal step, the retained count with vLLM's truncation and
/// its one-step minimum, and the stable descending selection.
/// </summary>
public static class EvsRetention
{
    /// <summary>The dissimilarity every token of step 0 gets: above any real value (those lie in [0, 2]).</summary>
    public const float FirstStepSentinel = 255f;

    /// <summary>
    /// d = 1 − cos(e[t, cell], e[t − 1, cell]) for t ≥ 1 (torch <c>cosine_similarity</c>, eps 1e-8, so an all-zero
    /// vector gives d = 1) and <see cref="FirstStepSentinel"/> for step 0; raster order, <paramref name="steps"/> ×
    /// <paramref name="tokensPerStep"/> values.
    /// </summary>
    public static double[] Dissimilarity(ReadOnlySpan<float> embeddings, int steps, int tokensPerStep, int channels)
    {
        int total = steps * tokensPerStep;
        if (embeddings.Length != (long)total * channels)
            throw new ArgumentException($"EVS expects {steps}x{tokensPerStep}x{channels} values, got {embeddings.Length}", nameof(embeddings));
        var d = new double[total];
        for (int i = 0; i < total; i++)
        {
            if (i < tokensPerStep) { d[i] = FirstStepSentinel; continue; }
            ReadOnlySpan<float> a = embeddings.Slice(i * channels, channels);
            ReadOnlySpan<float> b = embeddings.Slice((i - tokensPerStep) * channels, channels);
            double dot = 0, na = 0, nb = 0;
            for (int c = 0; c < channels; c++) { dot += (double)a[c] * b[c]; na += (double)a[c] * a[c]; nb += (double)b[c] * b[c]; }
            const double eps = 1e-8;
            d[i] = 1.0 - dot / Math.Sqrt(Math.Max(na * nb, eps * eps));
        }
        return d;
    }

    /// <summary>
    /// Tokens kept: max(<paramref name="tokensPerStep"/>, int(N · (1.0 − q))) with 1 − q computed first in double and
    /// the product truncated toward zero (q = 0.9 keeps 69 of 700, not 70), capped at N (vLLM's slice saturates).
    /// </summary>
    public static int RetainCount(int steps, int tokensPerStep, double pruningRate)
    {
        int total = steps * tokensPerStep;
        int retain = Math.Max(tokensPerStep, (int)((double)total * (1.0 - pruningRate)));
        return Math.Min(retain, total);
    }

    /// <summary>
    /// The kept token indices in ascending (raster) order: the <see cref="RetainCount"/> largest dissimilarities, a
    /// stable sort breaking ties by the lower index, so step 0 is always kept in full.
    /// </summary>
    public static int[] KeptIndices(ReadOnlySpan<float> embeddings, int steps, int tokensPerStep, int channels, double pruningRate)
    {
        double[] d = Dissimilarity(embeddings, steps, tokensPerStep, channels);
        int retain = RetainCount(steps, tokensPerStep, pruningRate);
        int[] order = Enumerable.Range(0, d.Length).ToArray();
        // OrderByDescending is stable: equal values keep ascending index order, like torch's stable argsort.
        return order.OrderByDescending(i => d[i]).Take(retain).Order().ToArray();
    }
}
