// PruneVid.NET — kernels: attention received by a span of key columns from a span of query rows (token scoring).
using ILGPU;
using PruneVid.Compute;
using PruneVid.Kernels.Dsl;

namespace PruneVid.Kernels;

/// <summary>How the per-head probabilities of one query row are combined before the maximum over rows.</summary>
public enum AttentionScoreHeads
{
    /// <summary>Maximum over heads (PruneVid Stage 2's "max-max" aggregation).</summary>
    Max,
    /// <summary>Mean over heads (FastV's head-averaged attention).</summary>
    Mean,
}

/// <summary>
/// Which part of the attention map an <see cref="ReductionOps.AttentionScores"/> call scores.
/// score[c] = max over rows r in [RowStart, RowStart + RowCount) of combine_h softmax_j(q_r,h · k_j,h · scale)[ColumnStart + c].
/// </summary>
/// <param name="RowStart">First query row (a sequence index: q and k rows are the same tokens).</param>
/// <param name="RowCount">Query rows scored.</param>
/// <param name="ColumnStart">First key column scored.</param>
/// <param name="ColumnCount">Key columns scored: one score each.</param>
/// <param name="Causal">
/// False: the softmax denominator runs over every key of the sequence (the official PruneVid map: pre-RoPE, no mask).
/// True: row r sees keys 0..r only (the map the layer actually used, as FastV ports score).
/// </param>
/// <param name="Heads">How heads are combined.</param>
public readonly record struct AttentionScoreRequest(int RowStart, int RowCount, int ColumnStart, int ColumnCount,
    bool Causal, AttentionScoreHeads Heads = AttentionScoreHeads.Max);

/// <summary>Scalars of one attention-score launch (one struct keeps the kernels under ILGPU's parameter limit).</summary>
public readonly record struct AttentionScoreParams(int Heads, int KvHeads, int HeadDim, float Scale, int Keys,
    int RowStart, int RowCount, int ColumnStart, int ColumnCount, int Causal, int MeanHeads);

/// <summary>
/// Token scoring from attention without the S×S map: only the requested rows' softmax statistics (max and
/// denominator per head and row) are kept, then each column's probabilities are recomputed from them. Memory is
/// O(heads · rows), time O(heads · rows · (keys + columns) · headDim). GQA: query head h reads kv head h / (heads / kvHeads),
/// as HF's <c>repeat_kv</c> expands it. f32 throughout.
/// </summary>
public static partial class AttentionScores
{
    /// <summary>Checks a request against the tensor shapes and returns the launch scalars; errors name the bad value.</summary>
    public static AttentionScoreParams Validate(AttentionShape shape, long qLength, long kLength, long scoresLength, AttentionScoreRequest request)
    {
        if (shape.Heads <= 0 || shape.KvHeads <= 0 || shape.HeadDim <= 0 || shape.Heads % shape.KvHeads != 0)
            throw new ArgumentException($"attention scores: invalid head layout {shape} (heads must be a positive multiple of kvHeads)");
        long qStride = (long)shape.Heads * shape.HeadDim, kStride = (long)shape.KvHeads * shape.HeadDim;
        if (qLength % qStride != 0) throw new ArgumentException($"attention scores: q has {qLength} values, not a whole number of {shape.Heads}×{shape.HeadDim} rows");
        if (kLength % kStride != 0) throw new ArgumentException($"attention scores: k has {kLength} values, not a whole number of {shape.KvHeads}×{shape.HeadDim} rows");
        long rows = qLength / qStride, keys = kLength / kStride;
        if (rows != keys) throw new ArgumentException($"attention scores: q has {rows} rows but k has {keys}; both must hold the whole sequence");
        var (r0, rn, c0, cn) = (request.RowStart, request.RowCount, request.ColumnStart, request.ColumnCount);
        if (r0 < 0 || rn < 0 || r0 + (long)rn > keys) throw new ArgumentException($"attention scores: query rows [{r0}, {r0 + (long)rn}) fall outside the {keys} sequence rows");
        if (c0 < 0 || cn < 0 || c0 + (long)cn > keys) throw new ArgumentException($"attention scores: key columns [{c0}, {c0 + (long)cn}) fall outside the {keys} sequence rows");
        if (scoresLength != cn) throw new ArgumentException($"attention scores: the output has {scoresLength} values for {cn} columns");
        return new AttentionScoreParams(shape.Heads, shape.KvHeads, shape.HeadDim, shape.Scale, (int)keys, r0, rn, c0, cn,
            request.Causal ? 1 : 0, request.Heads == AttentionScoreHeads.Mean ? 1 : 0);
    }

    /// <summary>Keys row <paramref name="row"/> attends to: all of them, or 0..row under the causal mask.</summary>
    public static int VisibleKeys(in AttentionScoreParams p, int row) => p.Causal != 0 ? row + 1 : p.Keys;

    /// <summary>The plain C# reference (also the Cpu backend): the same two passes as the kernels.</summary>
    public static void Reference(ReadOnlySpan<float> q, ReadOnlySpan<float> k, Span<float> scores, in AttentionScoreParams p)
    {
        int items = p.Heads * p.RowCount;
        float[] stats = new float[2 * items];
        float[] qa = q.ToArray(), ka = k.ToArray();
        AttentionScoreParams pp = p;
        Parallel.For(0, items, i =>
        {
            var (max, sum) = RowStats(qa, ka, pp, i);
            stats[2 * i] = max;
            stats[2 * i + 1] = sum;
        });
        float[] result = new float[p.ColumnCount];
        Parallel.For(0, p.ColumnCount, c => result[c] = ColumnScore(qa, ka, stats, pp, c));
        result.CopyTo(scores);
    }

    /// <summary>Pass 1, one thread per (row, head): the row's softmax max and denominator (online).</summary>
    [Kernel(Reference = nameof(Reference))]
    public static void RowStatsKernel(Index1D i, ArrayView<float> q, ArrayView<float> k, ArrayView<float> stats, AttentionScoreParams p)
    {
        int h = i % p.Heads, row = p.RowStart + i / p.Heads, kvh = h / (p.Heads / p.KvHeads);
        long qBase = (long)row * p.Heads * p.HeadDim + (long)h * p.HeadDim;
        int visible = p.Causal != 0 ? row + 1 : p.Keys;
        float max = float.NegativeInfinity, sum = 0f;
        for (int j = 0; j < visible; j++)
        {
            long kBase = (long)j * p.KvHeads * p.HeadDim + (long)kvh * p.HeadDim;
            float s = 0f;
            for (int d = 0; d < p.HeadDim; d++) s += q[qBase + d] * k[kBase + d];
            s *= p.Scale;
            if (s > max) { sum = sum * MathF.Exp(max - s) + 1f; max = s; }
            else sum += MathF.Exp(s - max);
        }
        stats[2 * (long)(int)i] = max;
        stats[2 * (long)(int)i + 1] = sum;
    }

    /// <summary>Pass 2, one thread per column: recompute each (row, head) probability from the statistics and aggregate.</summary>
    [Kernel(Reference = nameof(Reference))]
    public static void ColumnsKernel(Index1D c, ArrayView<float> q, ArrayView<float> k, ArrayView<float> stats, ArrayView<float> scores, AttentionScoreParams p)
    {
        int column = p.ColumnStart + c;
        float best = 0f;
        for (int r = 0; r < p.RowCount; r++)
        {
            int row = p.RowStart + r;
            float combined = 0f;
            for (int h = 0; h < p.Heads; h++)
            {
                float prob = 0f;
                if (p.Causal == 0 || column <= row)
                {
                    int kvh = h / (p.Heads / p.KvHeads);
                    long qBase = (long)row * p.Heads * p.HeadDim + (long)h * p.HeadDim;
                    long kBase = (long)column * p.KvHeads * p.HeadDim + (long)kvh * p.HeadDim;
                    float s = 0f;
                    for (int d = 0; d < p.HeadDim; d++) s += q[qBase + d] * k[kBase + d];
                    long item = (long)r * p.Heads + h;
                    prob = MathF.Exp(s * p.Scale - stats[2 * item]) / stats[2 * item + 1];
                }
                if (p.MeanHeads != 0) combined += prob;
                else if (prob > combined) combined = prob;
            }
            if (p.MeanHeads != 0) combined /= p.Heads;
            if (combined > best) best = combined;
        }
        scores[c] = best;
    }

    private static (float Max, float Sum) RowStats(float[] q, float[] k, in AttentionScoreParams p, int item)
    {
        int h = item % p.Heads, row = p.RowStart + item / p.Heads, kvh = h / (p.Heads / p.KvHeads);
        var qv = q.AsSpan(row * p.Heads * p.HeadDim + h * p.HeadDim, p.HeadDim);
        int visible = VisibleKeys(p, row);
        float max = float.NegativeInfinity, sum = 0f;
        for (int j = 0; j < visible; j++)
        {
            float s = Dot(qv, k.AsSpan(j * p.KvHeads * p.HeadDim + kvh * p.HeadDim, p.HeadDim)) * p.Scale;
            if (s > max) { sum = sum * MathF.Exp(max - s) + 1f; max = s; }
            else sum += MathF.Exp(s - max);
        }
        return (max, sum);
    }

    private static float ColumnScore(float[] q, float[] k, float[] stats, in AttentionScoreParams p, int c)
    {
        int column = p.ColumnStart + c, group = p.Heads / p.KvHeads;
        float best = 0f;
        for (int r = 0; r < p.RowCount; r++)
        {
            int row = p.RowStart + r;
            float combined = 0f;
            for (int h = 0; h < p.Heads; h++)
            {
                float prob = 0f;
                if (p.Causal == 0 || column <= row)
                {
                    float s = Dot(q.AsSpan(row * p.Heads * p.HeadDim + h * p.HeadDim, p.HeadDim),
                        k.AsSpan(column * p.KvHeads * p.HeadDim + h / group * p.HeadDim, p.HeadDim));
                    int item = r * p.Heads + h;
                    prob = MathF.Exp(s * p.Scale - stats[2 * item]) / stats[2 * item + 1];
                }
                if (p.MeanHeads != 0) combined += prob;
                else combined = MathF.Max(combined, prob);
            }
            if (p.MeanHeads != 0) combined /= p.Heads;
            best = MathF.Max(best, combined);
        }
        return best;
    }

    // Sequential sum in index order, as the kernels do, so reference and kernels round the same way.
    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        float s = 0f;
        for (int d = 0; d < a.Length; d++) s += a[d] * b[d];
        return s;
    }
}
