// PruneVid.NET — PruneVid Stage 2.
namespace PruneVid.Strategies.Stage2;

/// <summary>
/// The structured selection of the official <c>VTPWindowCache.process_attention</c>: per segment the top
/// floor(alpha·|static|) static tokens and, per frame, the top floor(alpha·n) of its n dynamic tokens; floors are
/// never redistributed; the union is sorted ascending so the order of the earlier stages is kept.
/// </summary>
public static class Stage2Selection
{
    /// <summary>Kept tokens as offsets into the video span, ascending.</summary>
    /// <param name="scores">One score per video token (higher is kept first).</param>
    /// <param name="segments">Segments tiling the video tokens.</param>
    /// <param name="alpha">Kept share per group, in (0, 1].</param>
    public static int[] Select(ReadOnlySpan<float> scores, IReadOnlyList<TokenSegment> segments, double alpha)
    {
        ArgumentNullException.ThrowIfNull(segments);
        if (!(alpha > 0 && alpha <= 1)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must be in (0, 1]");
        if (segments.Sum(s => s.Tokens) != scores.Length)
            throw new ArgumentException($"the segments cover {segments.Sum(s => s.Tokens)} tokens but {scores.Length} scores were given");
        var kept = new List<int>();
        float[] all = scores.ToArray();
        foreach (TokenSegment s in segments)
        {
            TopK(all, s.OutputStart, s.StaticTokens, alpha, kept);
            for (int f = 0; f < s.Frames; f++)
                TopK(all, s.OutputStart + s.StaticTokens + f * s.DynamicTokensPerFrame, s.DynamicTokensPerFrame, alpha, kept);
        }
        kept.Sort();
        return [.. kept];
    }

    /// <summary>Tokens <see cref="Select"/> keeps: the sum of every group's <see cref="Budget"/> (scores never change it).</summary>
    public static int KeptCount(IReadOnlyList<TokenSegment> segments, double alpha)
    {
        ArgumentNullException.ThrowIfNull(segments);
        return segments.Sum(s => Budget(alpha, s.StaticTokens) + s.Frames * Budget(alpha, s.DynamicTokensPerFrame));
    }

    /// <summary>
    /// The groups Stage 2 uses for a video span: the earlier stages' segments when they tile its
    /// <paramref name="tokens"/>, else <see cref="WholeVideo"/>.
    /// </summary>
    public static IReadOnlyList<TokenSegment> SegmentsFor(int tokens, int frames, IReadOnlyList<TokenSegment> recorded) =>
        recorded.Count > 0 && recorded.Sum(s => s.Tokens) == tokens ? recorded : WholeVideo(tokens, frames);

    /// <summary>The official group budget: Python's <c>int(alpha * size)</c>.</summary>
    public static int Budget(double alpha, int size) => (int)Math.Floor(alpha * size);

    /// <summary>
    /// The segments Stage 2 uses when no earlier stage recorded any: the whole video as one dynamic segment, one group
    /// per temporal step (one group when the tokens do not split evenly into frames).
    /// </summary>
    public static IReadOnlyList<TokenSegment> WholeVideo(int tokens, int frames) =>
        frames > 0 && tokens % frames == 0
            ? [new TokenSegment(0, frames, 0, tokens / frames, 0)]
            : [new TokenSegment(0, 1, 0, tokens, 0)];

    private static void TopK(float[] scores, int start, int size, double alpha, List<int> kept)
    {
        int k = Budget(alpha, size);
        if (k <= 0) return;
        int[] order = Enumerable.Range(start, size).ToArray();
        // Highest score first; equal scores by lower index (torch.topk leaves ties unspecified).
        Array.Sort(order, (a, b) => scores[b].CompareTo(scores[a]) is var c && c != 0 ? c : a.CompareTo(b));
        kept.AddRange(order.AsSpan(0, k).ToArray());
    }
}
