// PruneVid.NET — kernels: softmax attention over variable-length segments (GQA, optional causal mask).
using System.Numerics.Tensors;
using PruneVid.Compute;

namespace PruneVid.Kernels;

/// <summary>
/// o = softmax(q·kᵀ·scale [+ causal mask]) · v for each segment and head; see
/// <see cref="ComputeBackend.Attention"/> for the layout. f32 throughout, one pass per query with an online
/// softmax — the same arithmetic the tiled kernels use, so their results agree to rounding.
/// </summary>
public static partial class Attention
{
    /// <summary>Checks the segment tables against the tensor sizes and returns the segment count.</summary>
    public static int ValidateSegments(ReadOnlySpan<int> cuQ, ReadOnlySpan<int> cuK, int rowsQ, int rowsK, bool causal)
    {
        if (cuQ.Length < 1 || cuQ.Length != cuK.Length)
            throw new ArgumentException($"attention: cu_seqlens for q ({cuQ.Length}) and k ({cuK.Length}) must have the same, non-zero length");
        if (cuQ[0] != 0 || cuK[0] != 0) throw new ArgumentException("attention: cu_seqlens must start at 0");
        for (int s = 0; s + 1 < cuQ.Length; s++)
        {
            int lq = cuQ[s + 1] - cuQ[s], lk = cuK[s + 1] - cuK[s];
            if (lq < 0 || lk < 0) throw new ArgumentException($"attention: cu_seqlens decrease at segment {s}");
            if (causal && lq > lk) throw new ArgumentException($"attention: causal segment {s} has more queries ({lq}) than keys ({lk})");
            if (!causal && lq > 0 && lk == 0) throw new ArgumentException($"attention: segment {s} has queries but no keys");
        }
        if (cuQ[^1] > rowsQ) throw new ArgumentException($"attention: cu_seqlens_q ends at {cuQ[^1]} but q has {rowsQ} rows");
        if (cuK[^1] > rowsK) throw new ArgumentException($"attention: cu_seqlens_k ends at {cuK[^1]} but k has {rowsK} rows");
        return cuQ.Length - 1;
    }

    /// <summary>The plain C# reference (also the Cpu backend).</summary>
    public static unsafe void Reference(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output,
        AttentionShape shape, ReadOnlySpan<int> cuQ, ReadOnlySpan<int> cuK, bool causal)
    {
        int d = shape.HeadDim, qStride = shape.Heads * d, kStride = shape.KvHeads * d;
        int rowsQ = q.Length / qStride, rowsK = k.Length / kStride;
        if (v.Length != k.Length) throw new ArgumentException($"attention: v has {v.Length} elements, k has {k.Length}");
        if (output.Length < q.Length) throw new ArgumentException($"attention: output has {output.Length} elements, q has {q.Length}");
        int segments = ValidateSegments(cuQ, cuK, rowsQ, rowsK, causal);
        int[] cq = cuQ.ToArray(), ck = cuK.ToArray();
        int group = shape.Heads / shape.KvHeads;
        float scale = shape.Scale;

        // Work items: (query row, head). Each is independent; rows know their segment.
        var segmentOfRow = new int[Math.Max(cq[^1], 0)];
        for (int s = 0; s < segments; s++) segmentOfRow.AsSpan(cq[s], cq[s + 1] - cq[s]).Fill(s);

        fixed (float* pq = q) fixed (float* pk = k) fixed (float* pv = v) fixed (float* po = output)
        {
            var (qp, kp, vp, op) = ((nint)pq, (nint)pk, (nint)pv, (nint)po);
            int total = cq[^1] * shape.Heads;
            Parallel.For(0, total, () => (new float[Math.Max(1, ck.Length > 1 ? MaxSegment(ck) : 1)], new float[d]), (item, _, scratch) =>
            {
                int row = item / shape.Heads, h = item % shape.Heads, kvh = h / group;
                int s = segmentOfRow[row];
                int lq = cq[s + 1] - cq[s], lk = ck[s + 1] - ck[s];
                int visible = causal ? row - cq[s] + (lk - lq) + 1 : lk;
                var qv = new ReadOnlySpan<float>((float*)qp + (long)row * qStride + h * d, d);
                var scores = scratch.Item1.AsSpan(0, visible);
                for (int j = 0; j < visible; j++)
                    scores[j] = TensorPrimitives.Dot(qv, new ReadOnlySpan<float>((float*)kp + (long)(ck[s] + j) * kStride + kvh * d, d)) * scale;
                float max = visible > 0 ? TensorPrimitives.Max(scores) : 0f;
                float sum = 0f;
                for (int j = 0; j < visible; j++) { float e = MathF.Exp(scores[j] - max); scores[j] = e; sum += e; }
                var acc = scratch.Item2.AsSpan();
                acc.Clear();
                for (int j = 0; j < visible; j++)
                    TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>((float*)vp + (long)(ck[s] + j) * kStride + kvh * d, d), scores[j], acc, acc);
                var o = new Span<float>((float*)op + (long)row * qStride + h * d, d);
                if (visible == 0) o.Clear();
                else TensorPrimitives.Multiply(acc, 1f / sum, o);
                return scratch;
            }, _ => { });
        }
    }

    private static int MaxSegment(int[] cu)
    {
        int max = 0;
        for (int s = 0; s + 1 < cu.Length; s++) max = Math.Max(max, cu[s + 1] - cu[s]);
        return max;
    }
}
