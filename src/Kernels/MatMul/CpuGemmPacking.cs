// PruneVid.NET — Cpu backend: the GEMM's packed weight panels, in the micro-kernel's order.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using PruneVid.Compute;

namespace PruneVid.Kernels.Cpu;

/// <summary>
/// Lays the GEMM's weights out the way its micro-kernel reads them, so that each of its vector loads is sequential:
/// panels of <see cref="CpuGemm.NR"/> columns, k-major, widened to f32 (docs/cpu-backend.md, GEMM).
/// </summary>
internal static unsafe class CpuGemmPacking
{
    /// <summary>Stores the columns of the 4×4 block (rows v0..v3) as rows: dst[i·stride + j] = v_j[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4x4(Vector128<float> v0, Vector128<float> v1, Vector128<float> v2, Vector128<float> v3, float* dst, int stride)
    {
        Vector128<float> t0 = Sse.UnpackLow(v0, v1), t1 = Sse.UnpackHigh(v0, v1), t2 = Sse.UnpackLow(v2, v3), t3 = Sse.UnpackHigh(v2, v3);
        Sse.MoveLowToHigh(t0, t2).Store(dst);
        Sse.MoveHighToLow(t2, t0).Store(dst + stride);
        Sse.MoveLowToHigh(t1, t3).Store(dst + 2 * stride);
        Sse.MoveHighToLow(t3, t1).Store(dst + 3 * stride);
    }

    /// <summary>Four bf16 words widened to f32 (a bf16 is the high half of an f32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Widen4(ushort* src) =>
        Vector128.ShiftLeft(Vector128.WidenLower(Vector128.CreateScalar(*(ulong*)src).AsUInt16()), 16).AsSingle();

    /// <summary>
    /// Packs w[n0 .. n0+cols, k0 .. k0+kc] as f32 panels of NR columns, k-major (panel p, depth d, column j at
    /// p·kc·NR + d·NR + j); columns past the matrix are zero.
    /// </summary>
    public static void PackColumns(CpuWeights w, int n0, int cols, int k0, int kc, float* packed)
    {
        const int nr = CpuGemm.NR;
        int panels = (cols + nr - 1) / nr, k = w.Columns, kc4 = kc & ~3;
        bool bf16 = w.DType == DType.BF16;
        for (int p = 0; p < panels; p++)
        {
            float* panel = packed + (long)p * kc * nr;
            for (int j = 0; j < nr; j += 4)
            {
                int col = p * nr + j;
                float* dst = panel + j;
                if (col + 4 > cols)
                {
                    // The panel's last, partial group: one column at a time, zero past the matrix.
                    for (int jj = 0; jj < 4; jj++)
                        for (int d = 0; d < kc; d++) dst[d * nr + jj] = col + jj < cols ? w[n0 + col + jj, k0 + d] : 0f;
                    continue;
                }
                long at = (long)(n0 + col) * k + k0;
                if (bf16)
                {
                    ushort* s0 = (ushort*)w.Data + at, s1 = s0 + k, s2 = s1 + k, s3 = s2 + k;
                    for (int d = 0; d < kc4; d += 4) Transpose4x4(Widen4(s0 + d), Widen4(s1 + d), Widen4(s2 + d), Widen4(s3 + d), dst + d * nr, nr);
                    for (int d = kc4; d < kc; d++)
                        for (int jj = 0; jj < 4; jj++) dst[d * nr + jj] = BitConverter.Int32BitsToSingle(((ushort*)w.Data)[at + (long)jj * k + d] << 16);
                }
                else
                {
                    float* s0 = (float*)w.Data + at, s1 = s0 + k, s2 = s1 + k, s3 = s2 + k;
                    for (int d = 0; d < kc4; d += 4) Transpose4x4(Vector128.Load(s0 + d), Vector128.Load(s1 + d), Vector128.Load(s2 + d), Vector128.Load(s3 + d), dst + d * nr, nr);
                    for (int d = kc4; d < kc; d++)
                        for (int jj = 0; jj < 4; jj++) dst[d * nr + jj] = ((float*)w.Data)[at + (long)jj * k + d];
                }
            }
        }
    }
}
