// PruneVid.NET — kernels: split-key attention for decode (one query per segment, many cached keys).
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Compute;
using PruneVid.Kernels.Dsl;

namespace PruneVid.Kernels;

public static partial class Attention
{
    /// <summary>Most keys one group of <see cref="DecodeSplitKernel"/> handles (sizes its score buffer).</summary>
    public const int MaxDecodeChunk = 256;

    /// <summary>Floats per partial result of <see cref="DecodeSplitKernel"/>: the unnormalised output row, its max and its sum.</summary>
    public static int DecodePartialWidth(int headDim) => headDim + 2;

    /// <summary>
    /// Decode step, phase 1 (flash-decoding): the tiled kernel gives a one-query segment a single group that walks
    /// every cached key, leaving most of a GPU idle; here the keys are cut into chunks and each
    /// (segment, head, chunk) gets its own group. A group scores its chunk (one key per thread), reduces the max and
    /// the sum in shared memory, and writes the unnormalised P·V row with its max and sum to
    /// <paramref name="partial"/> [segments·heads·splits, headDim + 2]; <see cref="DecodeCombineKernel"/> merges the
    /// chunks. Every segment must hold at most one query (the last row of its keys, so the causal mask hides
    /// nothing). Launch with segments · heads · splits groups, splits = ⌈max keys / chunk⌉.
    /// </summary>
    [Kernel(Reference = nameof(Reference), GroupSizeTunable = nameof(threads))]
    public static void DecodeSplitKernel(ArrayView<float> q, ArrayView<float> k, ArrayView<float> v, ArrayView<float> partial,
        ArrayView<int> cuQ, ArrayView<int> cuK, AttentionParams p, int chunk, int splits,
        [Tunable(16, 32, 64, 128, 256)] SpecializedValue<int> threads)
        => DecodeSplit(q, new F32Words(k), new F32Words(v), partial, cuQ, cuK, p, chunk, splits, threads);

    /// <summary>
    /// <see cref="DecodeSplitKernel"/> over a bf16 KV cache: the same chunks and partials, each key and value widened
    /// (exactly) as it is read, so a decode step moves half the cache's bytes. Merge with <see cref="DecodeCombineKernel"/>.
    /// </summary>
    [Kernel(Reference = nameof(ReferenceBf16Kv), GroupSizeTunable = nameof(threads))]
    public static void DecodeSplitBf16Kernel(ArrayView<float> q, ArrayView<ushort> k, ArrayView<ushort> v, ArrayView<float> partial,
        ArrayView<int> cuQ, ArrayView<int> cuK, AttentionParams p, int chunk, int splits,
        [Tunable(16, 32, 64, 128, 256)] SpecializedValue<int> threads)
        => DecodeSplit(q, new Bf16Words(k), new Bf16Words(v), partial, cuQ, cuK, p, chunk, splits, threads);

    /// <summary>The body of the split decode kernels, for f32 or bf16 keys and values.</summary>
    private static void DecodeSplit<TW>(ArrayView<float> q, TW k, TW v, ArrayView<float> partial,
        ArrayView<int> cuQ, ArrayView<int> cuK, AttentionParams p, int chunk, int splits, SpecializedValue<int> threads) where TW : struct, IWeightWords
    {
        var qs = SharedMemory.Allocate<float>(MaxHeadDim);
        var scores = SharedMemory.Allocate<float>(MaxDecodeChunk);
        var reduce = SharedMemory.Allocate<float>(threads.Value);
        int t = Group.IdxX, n = threads.Value, d = p.HeadDim;
        int split = Grid.IdxX % splits, item = Grid.IdxX / splits; // item = segment · heads + head
        int h = item % p.Heads, segment = item / p.Heads;
        int q0 = cuQ[segment], k0 = cuK[segment], lk = cuK[segment + 1] - k0;
        int start = split * chunk, count = Math.Min(chunk, lk - start);
        long o = (long)Grid.IdxX * (d + 2);
        if (cuQ[segment + 1] == q0 || count <= 0)
        {
            // Nothing here (no query, or the chunk is past this segment's keys): an empty partial.
            if (t == 0) { partial[o + d] = float.NegativeInfinity; partial[o + d + 1] = 0f; }
            return;
        }
        int kvh = h / (p.Heads / p.KvHeads), kStride = p.KvHeads * d;
        long kBase = (long)(k0 + start) * kStride + kvh * d;

        for (int c = t; c < d; c += n) qs[c] = q[(long)q0 * p.Heads * d + h * d + c] * p.Scale;
        Group.Barrier();

        float localMax = float.NegativeInfinity;
        for (int j = t; j < count; j += n)
        {
            float dot = 0f;
            for (int c = 0; c < d; c++) dot += qs[c] * k.Load(kBase + (long)j * kStride + c);
            scores[j] = dot;
            localMax = Math.Max(localMax, dot);
        }
        reduce[t] = localMax;
        Group.Barrier();
        for (int half = n / 2; half > 0; half /= 2)
        {
            if (t < half) reduce[t] = Math.Max(reduce[t], reduce[t + half]);
            Group.Barrier();
        }
        float max = reduce[0];
        Group.Barrier(); // everyone has read the max before the buffer is reused for the sum

        float localSum = 0f;
        for (int j = t; j < count; j += n)
        {
            float e = MathF.Exp(scores[j] - max);
            scores[j] = e;
            localSum += e;
        }
        reduce[t] = localSum;
        Group.Barrier();
        for (int half = n / 2; half > 0; half /= 2)
        {
            if (t < half) reduce[t] += reduce[t + half];
            Group.Barrier();
        }

        for (int c = t; c < d; c += n)
        {
            float acc = 0f;
            for (int j = 0; j < count; j++) acc += scores[j] * v.Load(kBase + (long)j * kStride + c);
            partial[o + c] = acc;
        }
        if (t == 0) { partial[o + d] = max; partial[o + d + 1] = reduce[0]; }
    }

    /// <summary>The reference over bf16 keys and values: widened exactly, then <see cref="Reference"/>.</summary>
    public static void ReferenceBf16Kv(ReadOnlySpan<float> q, ReadOnlySpan<ushort> k, ReadOnlySpan<ushort> v, Span<float> output,
        AttentionShape shape, ReadOnlySpan<int> cuQ, ReadOnlySpan<int> cuK, bool causal)
    {
        float[] keys = new float[k.Length], values = new float[v.Length];
        Bf16Convert.Reference(k, keys);
        Bf16Convert.Reference(v, values);
        Reference(q, keys, values, output, shape, cuQ, cuK, causal);
    }

    /// <summary>
    /// Decode step, phase 2: one thread per output element merges the chunks of its (segment, head):
    /// o = Σ oᵢ·e^(mᵢ−M) / Σ lᵢ·e^(mᵢ−M) with M the largest chunk max. Extent: segments · heads · headDim.
    /// </summary>
    [Kernel(Reference = nameof(Reference))]
    public static void DecodeCombineKernel(Index1D index, ArrayView<float> partial, ArrayView<float> output, ArrayView<int> cuQ,
        AttentionParams p, int splits)
    {
        int d = p.HeadDim;
        int c = index % d, item = index / d;
        int h = item % p.Heads, segment = item / p.Heads;
        int row = cuQ[segment];
        if (cuQ[segment + 1] == row) return;
        long first = (long)item * splits * (d + 2);
        float max = float.NegativeInfinity;
        for (int s = 0; s < splits; s++) max = Math.Max(max, partial[first + (long)s * (d + 2) + d]);
        float sum = 0f, acc = 0f;
        for (int s = 0; s < splits; s++)
        {
            long at = first + (long)s * (d + 2);
            float m = partial[at + d];
            if (m == float.NegativeInfinity) continue;
            float w = MathF.Exp(m - max);
            sum += partial[at + d + 1] * w;
            acc += partial[at + c] * w;
        }
        output[(long)row * p.Heads * d + h * d + c] = sum > 0f ? acc / sum : 0f;
    }
}
