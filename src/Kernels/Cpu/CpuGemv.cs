// PruneVid.NET — Cpu backend: GEMV y = x · wᵀ (+ bias) for a few rows of x (the decode path), bandwidth-bound.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using PruneVid.Compute;

namespace PruneVid.Kernels.Cpu;

/// <summary>
/// Streams every weight once per call. Tasks own contiguous blocks of weight rows (both cores busy); a task reads
/// four rows side by side (four independent streams for the prefetchers) in 64-byte steps. bf16 words are widened
/// without shuffles: a 32-bit load holds two words, <c>u &lt;&lt; 16</c> is the even one and <c>u &amp; 0xFFFF0000</c>
/// the odd one, so x is split once per call into its even and odd elements and each step is one load, a shift, an
/// and and two FMAs. Oracle: <see cref="MatMul.Reference(ReadOnlySpan{float}, ReadOnlySpan{ushort}, ReadOnlySpan{ushort}, Span{float}, int, int, int)"/>.
/// </summary>
internal static unsafe class CpuGemv
{
    /// <summary>Weight rows per task: 64 rows of 2048 bf16 = 256 KB, enough to amortise the task, small enough to balance.</summary>
    private const int RowsPerTask = 64;

    private const int Step = 32; // weights per 64-byte step (bf16)

    /// <summary>y[M,N] = x[M,K] · wᵀ + bias (bias: N f32 values or null).</summary>
    public static void Run(float* x, CpuWeights w, float* bias, float* y, int m)
    {
        int n = w.Rows, k = w.Columns;
        int vectorK = w.DType == DType.BF16 ? k / Step * Step : k / 16 * 16;
        // The even/odd split of each x row (bf16 only), [m][2][vectorK/2].
        float[] split = w.DType == DType.BF16 ? Split(x, m, k, vectorK) : [];
        int tasks = (n + RowsPerTask - 1) / RowsPerTask;
        var (xp, yp, bp) = ((nint)x, (nint)y, (nint)bias);
        fixed (float* sp = split)
        {
            nint splitp = (nint)sp;
            Parallel.For(0, tasks, task =>
            {
                int r0 = task * RowsPerTask, r1 = Math.Min(n, r0 + RowsPerTask);
                for (int i = 0; i < m; i++)
                {
                    float* xi = (float*)xp + (long)i * k, yi = (float*)yp + (long)i * n;
                    float* even = (float*)splitp + (long)i * vectorK, odd = even + vectorK / 2;
                    if (w.DType == DType.BF16) RowsBf16(xi, even, odd, w, r0, r1, vectorK, yi);
                    else RowsF32(xi, w, r0, r1, vectorK, yi);
                    if (bias is not null) for (int r = r0; r < r1; r++) yi[r] += ((float*)bp)[r];
                }
            });
        }
    }

    private static float[] Split(float* x, int m, int k, int vectorK)
    {
        var split = new float[(long)m * vectorK];
        for (int i = 0; i < m; i++)
        {
            float* row = x + (long)i * k;
            int half = vectorK / 2;
            for (int j = 0; j < half; j++)
            {
                split[(long)i * vectorK + j] = row[2 * j];
                split[(long)i * vectorK + half + j] = row[2 * j + 1];
            }
        }
        return split;
    }

    private static void RowsBf16(float* x, float* even, float* odd, CpuWeights w, int r0, int r1, int vectorK, float* y)
    {
        int k = w.Columns;
        ushort* words = (ushort*)w.Data;
        int r = r0;
        for (; r + 4 <= r1; r += 4)
        {
            ushort* w0 = words + (long)r * k, w1 = w0 + k, w2 = w1 + k, w3 = w2 + k;
            Vector512<float> e0 = default, o0 = default, e1 = default, o1 = default, e2 = default, o2 = default, e3 = default, o3 = default;
            for (int j = 0; j < vectorK; j += Step)
            {
                Vector512<float> xe = Vector512.Load(even + j / 2), xo = Vector512.Load(odd + j / 2);
                Accumulate(w0 + j, xe, xo, ref e0, ref o0);
                Accumulate(w1 + j, xe, xo, ref e1, ref o1);
                Accumulate(w2 + j, xe, xo, ref e2, ref o2);
                Accumulate(w3 + j, xe, xo, ref e3, ref o3);
            }
            y[r] = Vector512.Sum(e0 + o0) + Tail(x, w0, vectorK, k);
            y[r + 1] = Vector512.Sum(e1 + o1) + Tail(x, w1, vectorK, k);
            y[r + 2] = Vector512.Sum(e2 + o2) + Tail(x, w2, vectorK, k);
            y[r + 3] = Vector512.Sum(e3 + o3) + Tail(x, w3, vectorK, k);
        }
        for (; r < r1; r++)
        {
            ushort* w0 = words + (long)r * k;
            Vector512<float> e0 = default, o0 = default;
            for (int j = 0; j < vectorK; j += Step)
                Accumulate(w0 + j, Vector512.Load(even + j / 2), Vector512.Load(odd + j / 2), ref e0, ref o0);
            y[r] = Vector512.Sum(e0 + o0) + Tail(x, w0, vectorK, k);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(ushort* w, Vector512<float> xe, Vector512<float> xo, ref Vector512<float> e, ref Vector512<float> o)
    {
        Vector512<uint> pairs = Vector512.Load((uint*)w);
        e = Vector512.FusedMultiplyAdd(Vector512.ShiftLeft(pairs, 16).AsSingle(), xe, e);
        o = Vector512.FusedMultiplyAdd((pairs & Vector512.Create(0xFFFF0000u)).AsSingle(), xo, o);
    }

    private static float Tail(float* x, ushort* w, int from, int k)
    {
        float sum = 0f;
        for (int j = from; j < k; j++) sum += x[j] * BitConverter.Int32BitsToSingle(w[j] << 16);
        return sum;
    }

    private static void RowsF32(float* x, CpuWeights w, int r0, int r1, int vectorK, float* y)
    {
        int k = w.Columns;
        for (int r = r0; r < r1; r++)
        {
            float* row = (float*)w.Data + (long)r * k;
            Vector512<float> acc = default;
            for (int j = 0; j < vectorK; j += 16) acc = Vector512.FusedMultiplyAdd(Vector512.Load(row + j), Vector512.Load(x + j), acc);
            float sum = Vector512.Sum(acc);
            for (int j = vectorK; j < k; j++) sum += x[j] * row[j];
            y[r] = sum;
        }
    }
}
