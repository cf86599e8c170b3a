// PruneVid.NET — kernels: fused tiled attention over variable-length segments (online softmax, GQA, causal).
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Kernels.Dsl;

namespace PruneVid.Kernels;

/// <summary>Scalars of one attention launch (a struct keeps the kernel under ILGPU's parameter limit).</summary>
/// <param name="Heads">Query heads.</param>
/// <param name="KvHeads">Key/value heads (divides Heads).</param>
/// <param name="HeadDim">Width of one head, at most <see cref="Attention.MaxHeadDim"/>.</param>
/// <param name="Scale">Multiplier of q·k before the softmax.</param>
/// <param name="Causal">1 for the causal mask (queries are the last rows of their segment's keys), else 0.</param>
public readonly record struct AttentionParams(int Heads, int KvHeads, int HeadDim, float Scale, int Causal);

public static partial class Attention
{
    /// <summary>Query rows per group and key rows per step of <see cref="TiledKernel"/> (16: the m of an mma tile).</summary>
    public const int Block = 16;

    /// <summary>Widest head the tiled kernel's shared memory holds (Qwen2.5-VL: 80 in the vision tower, 128 in the LLM).</summary>
    public const int MaxHeadDim = 128;

    /// <summary>
    /// The work list of <see cref="TiledKernel"/>: one (segment, first query row in the segment) pair per
    /// <see cref="Block"/> queries, flattened. Empty segments contribute nothing, so uneven segments waste no groups.
    /// </summary>
    public static int[] QueryBlocks(ReadOnlySpan<int> cuQ)
    {
        var blocks = new List<int>();
        for (int s = 0; s + 1 < cuQ.Length; s++)
            for (int qb = 0; qb < cuQ[s + 1] - cuQ[s]; qb += Block) { blocks.Add(s); blocks.Add(qb); }
        return [.. blocks];
    }

    /// <summary>
    /// Flash-style attention: one group per (query block, head). The group stages its ≤16 query rows (pre-scaled) in
    /// shared memory, then walks the segment's visible keys 16 at a time: scores S = Q·Kᵀ, an online-softmax update of
    /// the running row max and sum, and O = O·α + P·V, with O kept in shared memory — no score matrix reaches global
    /// memory. Launch with (blocks.Length / 2) · heads groups; <paramref name="cuQ"/>, <paramref name="cuK"/> and
    /// <paramref name="blocks"/> live on the device (see <see cref="QueryBlocks"/>).
    /// </summary>
    /// <remarks>
    /// The causal rule is the reference's: query i of a segment sees keys 0 .. i + (lenK − lenQ), so a decode step
    /// (one query, many cached keys) and a prefill are the same launch. Rows that see no key write zeros.
    /// <c>MathF.Exp</c> compiles to <c>ex2.approx</c> on PTX (relative error ~2⁻²²): far below what softmax needs.
    /// </remarks>
    [Kernel(Reference = nameof(Reference), GroupSizeTunable = nameof(threads))]
    public static void TiledKernel(ArrayView<float> q, ArrayView<float> k, ArrayView<float> v, ArrayView<float> output,
        ArrayView<int> cuQ, ArrayView<int> cuK, ArrayView<int> blocks, AttentionParams p,
        [Tunable(16, 32, 64, 128, 256)] SpecializedValue<int> threads)
    {
        var qs = SharedMemory.Allocate<float>(Block * MaxHeadDim);
        var ks = SharedMemory.Allocate<float>(Block * (MaxHeadDim + 1)); // rows padded by one word: no bank conflicts in Q·Kᵀ
        var vs = SharedMemory.Allocate<float>(Block * MaxHeadDim);
        var os = SharedMemory.Allocate<float>(Block * MaxHeadDim);
        var ss = SharedMemory.Allocate<float>(Block * Block);
        var rowMax = SharedMemory.Allocate<float>(Block);
        var rowSum = SharedMemory.Allocate<float>(Block);
        var rowAlpha = SharedMemory.Allocate<float>(Block);

        int t = Group.IdxX, n = threads.Value, d = p.HeadDim, kd = d + 1;
        int block = Grid.IdxX / p.Heads, h = Grid.IdxX - block * p.Heads;
        int segment = blocks[2 * block], qb = blocks[2 * block + 1];
        int q0 = cuQ[segment], lq = cuQ[segment + 1] - q0;
        int k0 = cuK[segment], lk = cuK[segment + 1] - k0;
        int rows = Math.Min(Block, lq - qb), shift = lk - lq;
        int kvh = h / (p.Heads / p.KvHeads);
        int qStride = p.Heads * d, kStride = p.KvHeads * d;
        // Keys any row of this block can see: the last row (qb + rows − 1) sees up to qb + rows − 1 + shift.
        int keyEnd = p.Causal != 0 ? Math.Min(lk, qb + rows + shift) : lk;

        for (int e = t; e < Block * d; e += n)
        {
            int r = e / d, c = e - r * d;
            qs[e] = r < rows ? q[(long)(q0 + qb + r) * qStride + h * d + c] * p.Scale : 0f;
            os[e] = 0f;
        }
        for (int r = t; r < Block; r += n) { rowMax[r] = float.NegativeInfinity; rowSum[r] = 0f; }
        Group.Barrier();

        for (int kb = 0; kb < keyEnd; kb += Block)
        {
            for (int e = t; e < Block * d; e += n)
            {
                int j = e / d, c = e - j * d;
                bool inside = kb + j < keyEnd;
                long src = (long)(k0 + kb + j) * kStride + kvh * d + c;
                ks[j * kd + c] = inside ? k[src] : 0f;
                vs[e] = inside ? v[src] : 0f;
            }
            Group.Barrier();

            for (int e = t; e < Block * Block; e += n)
            {
                int r = e / Block, j = e - r * Block, key = kb + j;
                bool visible = r < rows && key < keyEnd && (p.Causal == 0 || key <= qb + r + shift);
                float dot = 0f;
                if (visible)
                    for (int c = 0; c < d; c++) dot += qs[r * d + c] * ks[j * kd + c];
                ss[e] = visible ? dot : float.NegativeInfinity;
            }
            Group.Barrier();

            // Online softmax, one thread per row: new max, rescale factor α = exp(m_old − m_new), P = exp(S − m_new).
            for (int r = t; r < Block; r += n)
            {
                float mOld = rowMax[r], mNew = mOld;
                for (int j = 0; j < Block; j++) mNew = Math.Max(mNew, ss[r * Block + j]);
                float alpha = mNew == float.NegativeInfinity ? 1f : MathF.Exp(mOld - mNew);
                float sum = 0f;
                for (int j = 0; j < Block; j++)
                {
                    float s = ss[r * Block + j];
                    float pj = s == float.NegativeInfinity ? 0f : MathF.Exp(s - mNew);
                    ss[r * Block + j] = pj;
                    sum += pj;
                }
                rowMax[r] = mNew;
                rowSum[r] = rowSum[r] * alpha + sum;
                rowAlpha[r] = alpha;
            }
            Group.Barrier();

            for (int e = t; e < Block * d; e += n)
            {
                int r = e / d, c = e - r * d;
                float acc = os[e] * rowAlpha[r];
                for (int j = 0; j < Block; j++) acc += ss[r * Block + j] * vs[j * d + c];
                os[e] = acc;
            }
            Group.Barrier();
        }

        for (int e = t; e < rows * d; e += n)
        {
            int r = e / d, c = e - r * d;
            float l = rowSum[r];
            output[(long)(q0 + qb + r) * qStride + h * d + c] = l > 0f ? os[e] / l : 0f;
        }
    }
}
