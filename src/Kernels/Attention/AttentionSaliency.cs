// PruneVid.NET — kernels: FastVID's frame saliency of a vision block's attention.
using ILGPU;
using PruneVid.Compute;
using PruneVid.Kernels.Dsl;

namespace PruneVid.Kernels;

/// <summary>
/// FastVID's [CLS]-like saliency, computed from a vision block's rotated q and k without forming the attention matrix:
/// for each segment (a temporal step: all its patches) and head, the mean query of the segment against the mean key of
/// every merge unit (<c>mergeUnit</c> consecutive rows), softmax over the segment's units with scale
/// 1/√headDim, then the mean over heads. Output: one value per merge unit, in the rows' (window) order; the values of
/// one segment sum to 1. O(rows · heads · headDim) work and O(units · heads) memory.
/// </summary>
public static partial class AttentionSaliency
{
    /// <summary>Checks the layout and returns the number of merge units.</summary>
    public static int Validate(long qLength, long kLength, long saliencyLength, AttentionShape shape, ReadOnlySpan<int> cuSeqLens, int mergeUnit)
    {
        if (mergeUnit <= 0) throw new ArgumentException($"frame saliency: merge unit must be positive, got {mergeUnit}");
        long rows = AttentionSignalChecks.Rows("frame saliency", qLength, kLength, shape, cuSeqLens);
        for (int s = 0; s + 1 < cuSeqLens.Length; s++)
        {
            int length = cuSeqLens[s + 1] - cuSeqLens[s];
            if (length <= 0 || length % mergeUnit != 0)
                throw new ArgumentException($"frame saliency: segment {s} has {length} rows, not a positive multiple of the merge unit {mergeUnit}");
        }
        long units = rows / mergeUnit;
        if (saliencyLength != units) throw new ArgumentException($"frame saliency: output holds {saliencyLength} values for {units} merge units");
        return (int)units;
    }

    /// <summary>The plain C# reference (also the Cpu backend).</summary>
    public static void Reference(ReadOnlySpan<float> q, ReadOnlySpan<float> k, AttentionShape shape, ReadOnlySpan<int> cuSeqLens, int mergeUnit, Span<float> saliency)
    {
        Validate(q.Length, k.Length, saliency.Length, shape, cuSeqLens, mergeUnit);
        int heads = shape.Heads, d = shape.HeadDim, stride = heads * d;
        saliency.Clear();
        float[] qMean = new float[d], kMean = new float[d];
        for (int s = 0; s + 1 < cuSeqLens.Length; s++)
        {
            int first = cuSeqLens[s], rows = cuSeqLens[s + 1] - first, units = rows / mergeUnit, firstUnit = first / mergeUnit;
            float[] logits = new float[units];
            for (int h = 0; h < heads; h++)
            {
                Mean(q, first, rows, stride, h * d, qMean);
                for (int u = 0; u < units; u++)
                {
                    Mean(k, first + u * mergeUnit, mergeUnit, stride, h * d, kMean);
                    float dot = 0f;
                    for (int c = 0; c < d; c++) dot += qMean[c] * kMean[c];
                    logits[u] = dot * shape.Scale;
                }
                float max = float.NegativeInfinity, sum = 0f;
                foreach (float l in logits) max = MathF.Max(max, l);
                foreach (float l in logits) sum += MathF.Exp(l - max);
                for (int u = 0; u < units; u++) saliency[firstUnit + u] += MathF.Exp(logits[u] - max) / sum / heads;
            }
        }
    }

    /// <summary>Mean of <paramref name="count"/> rows from <paramref name="first"/>, columns [offset, offset + d).</summary>
    private static void Mean(ReadOnlySpan<float> x, int first, int count, int stride, int offset, Span<float> mean)
    {
        mean.Clear();
        for (int r = first; r < first + count; r++)
            for (int c = 0; c < mean.Length; c++) mean[c] += x[r * stride + offset + c];
        for (int c = 0; c < mean.Length; c++) mean[c] /= count;
    }

    /// <summary>One thread per (segment, head, channel): the segment's mean query.</summary>
    [Kernel(Reference = nameof(Reference))]
    internal static void QueryMeanKernel(Index1D i, ArrayView<float> q, ArrayView<int> cuSeqLens, ArrayView<float> qMean, int heads, int headDim)
    {
        int s = i / (heads * headDim), column = i % (heads * headDim), stride = heads * headDim;
        int first = cuSeqLens[s], count = cuSeqLens[s + 1] - first;
        float sum = 0f;
        for (int r = first; r < first + count; r++) sum += q[(long)r * stride + column];
        qMean[i] = sum / count;
    }

    /// <summary>One thread per (merge unit, head): the scaled dot product of the segment's mean query and the unit's mean key.</summary>
    [Kernel(Reference = nameof(Reference))]
    internal static void LogitKernel(Index1D i, ArrayView<float> k, ArrayView<float> qMean, ArrayView<int> unitSegment, ArrayView<float> logits,
        int heads, int headDim, int mergeUnit, float scale)
    {
        int unit = i / heads, h = i % heads, stride = heads * headDim, s = unitSegment[unit];
        float dot = 0f;
        for (int c = 0; c < headDim; c++)
        {
            float key = 0f;
            for (int r = 0; r < mergeUnit; r++) key += k[(long)(unit * mergeUnit + r) * stride + h * headDim + c];
            dot += qMean[(s * heads + h) * headDim + c] * (key / mergeUnit);
        }
        logits[i] = dot * scale;
    }

    /// <summary>One thread per merge unit: its softmax probability within the segment, averaged over heads.</summary>
    [Kernel(Reference = nameof(Reference))]
    internal static void SoftmaxKernel(Index1D unit, ArrayView<float> logits, ArrayView<int> unitSegment, ArrayView<int> cuUnits, ArrayView<float> saliency, int heads)
    {
        int s = unitSegment[unit], first = cuUnits[s], last = cuUnits[s + 1];
        float total = 0f;
        for (int h = 0; h < heads; h++)
        {
            float max = float.NegativeInfinity, sum = 0f;
            for (int u = first; u < last; u++) max = MathF.Max(max, logits[u * heads + h]);
            for (int u = first; u < last; u++) sum += MathF.Exp(logits[u * heads + h] - max);
            total += MathF.Exp(logits[unit * heads + h] - max) / sum / heads;
        }
        saliency[unit] = total;
    }
}
