// PruneVid.NET — chat: log-probabilities of the generated tokens, from each step's logits.
using PruneVid.Runtime.Text;

namespace PruneVid.Runtime.Chat;

/// <summary>
/// Watches decoding (<see cref="Pipeline.DecodeControl"/>): each logits row is reduced to its log-sum-exp and top
/// tokens as it arrives, the chosen token's entry is queued when it is reported, and <see cref="Take"/> hands over the
/// entries queued since the last call (the tokens behind a piece of streamed text). Stop ids are not listed.
/// </summary>
internal sealed class LogprobCollector(QwenTokenizer tokenizer, int top, IReadOnlyCollection<int> stopIds)
{
    /// <summary>Most alternatives one step may list (OpenAI's limit).</summary>
    public const int MaxTop = 20;

    private readonly List<TokenLogprob> _pending = [];
    private float[] _row = [];
    private double _logSumExp;
    private TokenLogprob[] _top = [];

    public void Observe(float[] logits)
    {
        if (_row.Length != logits.Length) _row = new float[logits.Length];
        logits.CopyTo(_row, 0); // the sampler reshapes the row after this call
        float max = float.NegativeInfinity;
        foreach (float x in _row) max = Math.Max(max, x);
        double sum = 0;
        foreach (float x in _row) sum += Math.Exp(x - max);
        _logSumExp = max + Math.Log(sum);
        _top = [.. TopIndices(_row, top).Select(id => Entry(id, []))];
    }

    public void Chose(int token)
    {
        if (stopIds.Contains(token) || _row.Length == 0) return;
        _pending.Add(Entry(token, _top));
    }

    /// <summary>The entries queued since the last call.</summary>
    public IReadOnlyList<TokenLogprob> Take()
    {
        TokenLogprob[] taken = [.. _pending];
        _pending.Clear();
        return taken;
    }

    private TokenLogprob Entry(int id, IReadOnlyList<TokenLogprob> alternatives)
    {
        byte[] bytes;
        try { bytes = tokenizer.GetTokenBytes(id).ToArray(); }
        catch (ArgumentOutOfRangeException) { bytes = []; } // a padding row of the embedding: no text
        return new TokenLogprob(System.Text.Encoding.UTF8.GetString(bytes), _row[id] - _logSumExp, bytes, alternatives);
    }

    /// <summary>The <paramref name="k"/> largest entries, largest first (the lower id on ties).</summary>
    private static int[] TopIndices(float[] row, int k)
    {
        if (k <= 0) return [];
        var best = new List<int>(k + 1);
        for (int i = 0; i < row.Length; i++)
        {
            if (best.Count == k && !(row[i] > row[best[^1]])) continue;
            int at = best.Count;
            while (at > 0 && row[i] > row[best[at - 1]]) at--;
            best.Insert(at, i);
            if (best.Count > k) best.RemoveAt(k);
        }
        return [.. best];
    }
}
