// PruneVid.NET — Cpu backend: the GEMM's register block, 12 rows × 32 columns in 24 zmm accumulators.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace PruneVid.Kernels.Cpu;

/// <summary>
/// c[MR, NR] += a · b over one packed K slice: <c>a</c> is an x tile packed row-interleaved (depth d, row r at
/// d·MR + r), <c>b</c> a weight panel packed k-major (depth d, column j at d·NR + j). Each depth step loads two
/// vectors of b and broadcasts each of the MR x values once for two FMAs; 24 accumulators + 2 b vectors + the
/// broadcast fit the 32 zmm registers without spills (docs/cpu-backend.md, GEMM).
/// </summary>
internal static unsafe class CpuGemmKernel
{
    /// <summary>Rows of x per call.</summary>
    public const int MR = 12;

    /// <summary>c[i, j] (row stride <paramref name="ldc"/>) += Σ_d a[d·MR + i] · b[d·NR + j] for a full MR × NR tile.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(float* a, float* b, int kc, float* c, int ldc)
    {
        Vector512<float> r00 = Vector512.Load(c + 0 * (long)ldc), r01 = Vector512.Load(c + 0 * (long)ldc + 16);
        Vector512<float> r10 = Vector512.Load(c + 1 * (long)ldc), r11 = Vector512.Load(c + 1 * (long)ldc + 16);
        Vector512<float> r20 = Vector512.Load(c + 2 * (long)ldc), r21 = Vector512.Load(c + 2 * (long)ldc + 16);
        Vector512<float> r30 = Vector512.Load(c + 3 * (long)ldc), r31 = Vector512.Load(c + 3 * (long)ldc + 16);
        Vector512<float> r40 = Vector512.Load(c + 4 * (long)ldc), r41 = Vector512.Load(c + 4 * (long)ldc + 16);
        Vector512<float> r50 = Vector512.Load(c + 5 * (long)ldc), r51 = Vector512.Load(c + 5 * (long)ldc + 16);
        Vector512<float> r60 = Vector512.Load(c + 6 * (long)ldc), r61 = Vector512.Load(c + 6 * (long)ldc + 16);
        Vector512<float> r70 = Vector512.Load(c + 7 * (long)ldc), r71 = Vector512.Load(c + 7 * (long)ldc + 16);
        Vector512<float> r80 = Vector512.Load(c + 8 * (long)ldc), r81 = Vector512.Load(c + 8 * (long)ldc + 16);
        Vector512<float> r90 = Vector512.Load(c + 9 * (long)ldc), r91 = Vector512.Load(c + 9 * (long)ldc + 16);
        Vector512<float> r100 = Vector512.Load(c + 10 * (long)ldc), r101 = Vector512.Load(c + 10 * (long)ldc + 16);
        Vector512<float> r110 = Vector512.Load(c + 11 * (long)ldc), r111 = Vector512.Load(c + 11 * (long)ldc + 16);
        for (int d = 0; d < kc; d++, a += MR, b += CpuGemm.NR)
        {
            Vector512<float> b0 = Vector512.Load(b), b1 = Vector512.Load(b + 16), s;
            s = Vector512.Create(a[0]); r00 = Vector512.FusedMultiplyAdd(s, b0, r00); r01 = Vector512.FusedMultiplyAdd(s, b1, r01);
            s = Vector512.Create(a[1]); r10 = Vector512.FusedMultiplyAdd(s, b0, r10); r11 = Vector512.FusedMultiplyAdd(s, b1, r11);
            s = Vector512.Create(a[2]); r20 = Vector512.FusedMultiplyAdd(s, b0, r20); r21 = Vector512.FusedMultiplyAdd(s, b1, r21);
            s = Vector512.Create(a[3]); r30 = Vector512.FusedMultiplyAdd(s, b0, r30); r31 = Vector512.FusedMultiplyAdd(s, b1, r31);
            s = Vector512.Create(a[4]); r40 = Vector512.FusedMultiplyAdd(s, b0, r40); r41 = Vector512.FusedMultiplyAdd(s, b1, r41);
            s = Vector512.Create(a[5]); r50 = Vector512.FusedMultiplyAdd(s, b0, r50); r51 = Vector512.FusedMultiplyAdd(s, b1, r51);
            s = Vector512.Create(a[6]); r60 = Vector512.FusedMultiplyAdd(s, b0, r60); r61 = Vector512.FusedMultiplyAdd(s, b1, r61);
            s = Vector512.Create(a[7]); r70 = Vector512.FusedMultiplyAdd(s, b0, r70); r71 = Vector512.FusedMultiplyAdd(s, b1, r71);
            s = Vector512.Create(a[8]); r80 = Vector512.FusedMultiplyAdd(s, b0, r80); r81 = Vector512.FusedMultiplyAdd(s, b1, r81);
            s = Vector512.Create(a[9]); r90 = Vector512.FusedMultiplyAdd(s, b0, r90); r91 = Vector512.FusedMultiplyAdd(s, b1, r91);
            s = Vector512.Create(a[10]); r100 = Vector512.FusedMultiplyAdd(s, b0, r100); r101 = Vector512.FusedMultiplyAdd(s, b1, r101);
            s = Vector512.Create(a[11]); r110 = Vector512.FusedMultiplyAdd(s, b0, r110); r111 = Vector512.FusedMultiplyAdd(s, b1, r111);
        }
        r00.Store(c + 0 * (long)ldc); r01.Store(c + 0 * (long)ldc + 16);
        r10.Store(c + 1 * (long)ldc); r11.Store(c + 1 * (long)ldc + 16);
        r20.Store(c + 2 * (long)ldc); r21.Store(c + 2 * (long)ldc + 16);
        r30.Store(c + 3 * (long)ldc); r31.Store(c + 3 * (long)ldc + 16);
        r40.Store(c + 4 * (long)ldc); r41.Store(c + 4 * (long)ldc + 16);
        r50.Store(c + 5 * (long)ldc); r51.Store(c + 5 * (long)ldc + 16);
        r60.Store(c + 6 * (long)ldc); r61.Store(c + 6 * (long)ldc + 16);
        r70.Store(c + 7 * (long)ldc); r71.Store(c + 7 * (long)ldc + 16);
        r80.Store(c + 8 * (long)ldc); r81.Store(c + 8 * (long)ldc + 16);
        r90.Store(c + 9 * (long)ldc); r91.Store(c + 9 * (long)ldc + 16);
        r100.Store(c + 10 * (long)ldc); r101.Store(c + 10 * (long)ldc + 16);
        r110.Store(c + 11 * (long)ldc); r111.Store(c + 11 * (long)ldc + 16);
    }
}
