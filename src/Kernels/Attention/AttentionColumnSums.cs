// PruneVid.NET — kernels: attention received per key (column sums of the softmax), without the attention matrix.
using ILGPU;
using PruneVid.Compute;
using PruneVid.Kernels.Dsl;

namespace PruneVid.Kernels;

/// <summary>
/// The attention every key receives: <c>sums[j] = Σ_heads Σ_i softmax_j'(q_i·k_j'·scale)[j]</c> over the queries i of
/// j's segment (non-causal, the vision tower's layout). Two passes instead of an S×S matrix: each (query, head) keeps
/// its log-sum-exp, then each key sums exp(q_i·k_j·scale − lse_i) over its segment's queries.
/// </summary>
public static partial class AttentionColumnSums
{
    /// <summary>Checks the layout and returns the row count.</summary>
    public static int Validate(long qLength, long kLength, long sumsLength, AttentionShape shape, ReadOnlySpan<int> cuSeqLens)
    {
        long rows = AttentionSignalChecks.Rows("attention column sums", qLength, kLength, shape, cuSeqLens);
        if (sumsLength != rows) throw new ArgumentException($"attention column sums: output holds {sumsLength} values for {rows} rows");
        return (int)rows;
    }

    /// <summary>The plain C# reference (also the Cpu backend), with the kernels' two-pass arithmetic.</summary>
    public static void Reference(ReadOnlySpan<float> q, ReadOnlySpan<float> k, AttentionShape shape, ReadOnlySpan<int> cuSeqLens, Span<float> sums)
    {
        Validate(q.Length, k.Length, sums.Length, shape, cuSeqLens);
        int heads = shape.Heads, d = shape.HeadDim, stride = heads * d;
        sums.Clear();
        for (int s = 0; s + 1 < cuSeqLens.Length; s++)
        {
            int first = cuSeqLens[s], last = cuSeqLens[s + 1];
            float[] logits = new float[last - first];
            for (int h = 0; h < heads; h++)
                for (int i = first; i < last; i++)
                {
                    for (int j = first; j < last; j++) logits[j - first] = Dot(q, k, i, j, stride, h * d, d) * shape.Scale;
                    float max = float.NegativeInfinity, sum = 0f;
                    foreach (float l in logits) max = MathF.Max(max, l);
                    foreach (float l in logits) sum += MathF.Exp(l - max);
                    float lse = max + MathF.Log(sum);
                    for (int j = first; j < last; j++) sums[j] += MathF.Exp(logits[j - first] - lse);
                }
        }
    }

    private static float Dot(ReadOnlySpan<float> q, ReadOnlySpan<float> k, int i, int j, int stride, int offset, int d)
    {
        float dot = 0f;
        for (int c = 0; c < d; c++) dot += q[i * stride + offset + c] * k[j * stride + offset + c];
        return dot;
    }

    /// <summary>One thread per (query row, head): log-sum-exp of its scaled logits over its segment's keys.</summary>
    [Kernel(Reference = nameof(Reference))]
    internal static void RowLogSumExpKernel(Index1D i, ArrayView<float> q, ArrayView<float> k, ArrayView<int> rowSegment, ArrayView<int> cuSeqLens,
        ArrayView<float> lse, int heads, int headDim, float scale)
    {
        int row = i / heads, h = i % heads, stride = heads * headDim, s = rowSegment[row];
        int first = cuSeqLens[s], last = cuSeqLens[s + 1];
        float max = float.NegativeInfinity;
        for (int j = first; j < last; j++) max = MathF.Max(max, DeviceDot(q, k, row, j, stride, h * headDim, headDim) * scale);
        float sum = 0f;
        for (int j = first; j < last; j++) sum += MathF.Exp(DeviceDot(q, k, row, j, stride, h * headDim, headDim) * scale - max);
        lse[i] = max + MathF.Log(sum);
    }

    /// <summary>One thread per key row: the probability mass it receives, summed over heads and its segment's queries.</summary>
    [Kernel(Reference = nameof(Reference))]
    internal static void ColumnKernel(Index1D j, ArrayView<float> q, ArrayView<float> k, ArrayView<float> lse, ArrayView<int> rowSegment,
        ArrayView<int> cuSeqLens, ArrayView<float> sums, int heads, int headDim, float scale)
    {
        int stride = heads * headDim, s = rowSegment[j], first = cuSeqLens[s], last = cuSeqLens[s + 1];
        float total = 0f;
        for (int h = 0; h < heads; h++)
            for (int i = first; i < last; i++)
                total += MathF.Exp(DeviceDot(q, k, i, j, stride, h * headDim, headDim) * scale - lse[i * heads + h]);
        sums[j] = total;
    }

    private static float DeviceDot(ArrayView<float> q, ArrayView<float> k, int i, int j, int stride, int offset, int d)
    {
        float dot = 0f;
        for (int c = 0; c < d; c++) dot += q[(long)i * stride + offset + c] * k[(long)j * stride + offset + c];
        return dot;
    }
}
