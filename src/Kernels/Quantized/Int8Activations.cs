// PruneVid.NET — quantized weights: activation rows rounded to int8 per 32-column block, for integer dot products.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace PruneVid.Kernels.Quantized;

/// <summary>
/// x[M, K] as int8 values with one f32 step per row and 32-column block (the scheme of llama.cpp's Q8_0 activations):
/// step = max|x| / 127 and q = round-half-even(x · 127 / max|x|), so x ≈ q·step with |x − q·step| ≤ step / 2 and |q| ≤ 127
/// (never −128, which keeps the kernels' int16 sums clear of saturation). Each row also carries, per weight group, the
/// sum of the rounded x (Σ over its blocks of step · Σq), the term the zero points multiply: rounding both terms of
/// Σ (q − z)·x the same way makes the error Σ w·(q·step − x), at most Σ|w|·step/2. Rows are padded with zeros to whole blocks.
/// </summary>
internal readonly unsafe struct Int8Activations
{
    private Int8Activations(sbyte* values, float* steps, float* groupSums, int rows, int blocksPerRow, int groups)
    {
        Values = values;
        Steps = steps;
        GroupSums = groupSums;
        Rows = rows;
        BlocksPerRow = blocksPerRow;
        Groups = groups;
    }

    /// <summary>q [M, BlocksPerRow · 32].</summary>
    public sbyte* Values { get; }

    /// <summary>step [M, BlocksPerRow].</summary>
    public float* Steps { get; }

    /// <summary>Σ q·step per weight group [M, Groups].</summary>
    public float* GroupSums { get; }

    /// <summary>M.</summary>
    public int Rows { get; }

    /// <summary>32-column blocks per row.</summary>
    public int BlocksPerRow { get; }

    /// <summary>Weight groups per row.</summary>
    public int Groups { get; }

    /// <summary>Bytes of one row of <see cref="Values"/>.</summary>
    public int RowBytes => BlocksPerRow * QuantizedMatrix.Block;

    /// <summary>Floats of scratch that <see cref="Round"/> needs for these sizes.</summary>
    public static long ScratchFloats(int m, int blocksPerRow, int groups) => (long)m * blocksPerRow * (QuantizedMatrix.Block / 4 + 1) + (long)m * groups;

    /// <summary>Rounds x [<paramref name="m"/>, <paramref name="k"/>] into <paramref name="scratch"/> (64-byte aligned, <see cref="ScratchFloats"/> long).</summary>
    public static Int8Activations Round(float* x, int m, int k, int groupSize, int blocksPerRow, int groups, float* scratch)
    {
        var rounded = new Int8Activations((sbyte*)scratch, scratch + (long)m * blocksPerRow * QuantizedMatrix.Block / 4,
            scratch + (long)m * blocksPerRow * (QuantizedMatrix.Block / 4 + 1), m, blocksPerRow, groups);
        for (int i = 0; i < m; i++) rounded.RoundRow(x + (long)i * k, k, groupSize, i);
        return rounded;
    }

    private void RoundRow(float* x, int k, int groupSize, int i)
    {
        sbyte* q = Values + (long)i * RowBytes;
        float* steps = Steps + (long)i * BlocksPerRow, sums = GroupSums + (long)i * Groups;
        for (int g = 0; g < Groups; g++) sums[g] = 0;
        for (int b = 0; b < BlocksPerRow; b++)
        {
            int c0 = b * QuantizedMatrix.Block, count = Math.Min(QuantizedMatrix.Block, k - c0);
            float* xb = x + c0;
            sbyte* qb = q + c0;
            float max = 0;
            int sum = 0;
            if (count == QuantizedMatrix.Block && Avx512F.IsSupported)
            {
                Vector512<float> lo = Vector512.Load(xb), hi = Vector512.Load(xb + 16);
                max = MaxAcross(Vector512.Max(Vector512.Abs(lo), Vector512.Abs(hi)));
                Vector512<float> inverse = Vector512.Create(max == 0 ? 0 : 127f / max);
                // vcvtps2dq rounds half to even, as the scalar path's MathF.Round.
                Vector512<int> qlo = Avx512F.ConvertToVector512Int32(lo * inverse), qhi = Avx512F.ConvertToVector512Int32(hi * inverse);
                Avx512F.ConvertToVector128SByte(qlo).Store(qb);
                Avx512F.ConvertToVector128SByte(qhi).Store(qb + 16);
                sum = Vector512.Sum(qlo + qhi);
            }
            else
            {
                for (int c = 0; c < count; c++) max = MathF.Max(max, MathF.Abs(xb[c]));
                float inverse = max == 0 ? 0 : 127f / max;
                for (int c = 0; c < QuantizedMatrix.Block; c++)
                {
                    qb[c] = c < count ? (sbyte)MathF.Round(xb[c] * inverse) : (sbyte)0;
                    sum += qb[c];
                }
            }
            steps[b] = max / 127f;
            sums[c0 / groupSize] = MathF.FusedMultiplyAdd(steps[b], sum, sums[c0 / groupSize]);
        }
    }

    /// <summary>The largest of 16 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float MaxAcross(Vector512<float> v)
    {
        Vector256<float> m8 = Vector256.Max(v.GetLower(), v.GetUpper());
        Vector128<float> m4 = Vector128.Max(m8.GetLower(), m8.GetUpper());
        return MathF.Max(MathF.Max(m4[0], m4[1]), MathF.Max(m4[2], m4[3]));
    }
}
