// PruneVid.NET — Cpu backend: the GEMM's packed operands (x row tiles, w column panels) in the micro-kernel's order.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using PruneVid.Compute;

namespace PruneVid.Kernels.Cpu;

/// <summary>
/// Lays the GEMM's operands out the way <see cref="CpuGemmKernel"/> reads them, so that each of its loads is
/// sequential: x as tiles of <see cref="CpuGemm.MR"/> rows interleaved by depth, w as panels of
/// <see cref="CpuGemm.NR"/> columns, k-major, widened to f32 (docs/cpu-backend.md, GEMM).
/// </summary>
internal static unsafe class CpuGemmPacking
{
    [ThreadStatic] private static float* t_rows;
    [ThreadStatic] private static long t_rowsCapacity;

    /// <summary>
    /// Packs x[M, K] as ⌈M/MR⌉ tiles (tile t, depth d, row r at (t·K + d)·MR + r); rows past M are zero. The buffer
    /// belongs to the calling thread and is reused by its next call (it only grows), so prefill allocates it once.
    /// </summary>
    public static float* PackRows(float* x, int m, int k)
    {
        const int mr = CpuGemm.MR;
        int tiles = (m + mr - 1) / mr;
        long size = (long)tiles * mr * k;
        if (t_rowsCapacity < size)
        {
            NativeMemory.AlignedFree(t_rows);
            t_rows = (float*)NativeMemory.AlignedAlloc((nuint)(size * sizeof(float)), 64);
            t_rowsCapacity = size;
        }
        float* packed = t_rows;
        nint xp = (nint)x, pp = (nint)packed;
        if ((long)m * k < 1 << 16) for (int t = 0; t < tiles; t++) PackRowTile((float*)xp, m, k, t, (float*)pp);
        else Parallel.For(0, tiles, t => PackRowTile((float*)xp, m, k, t, (float*)pp));
        return packed;
    }

    private static void PackRowTile(float* x, int m, int k, int t, float* packed)
    {
        const int mr = CpuGemm.MR;
        float* tile = packed + (long)t * k * mr;
        int rows = Math.Min(mr, m - t * mr);
        float* src = x + (long)t * mr * k;
        if (rows < mr)
        {
            new Span<float>(tile, k * mr).Clear();
            for (int d = 0; d < k; d++)
                for (int r = 0; r < rows; r++) tile[(long)d * mr + r] = src[(long)r * k + d];
            return;
        }
        // Four rows by four depths at a time, transposed in registers: every load and store is a full vector.
        int k4 = k & ~3;
        for (int r = 0; r < mr; r += 4)
        {
            float* s0 = src + (long)r * k, s1 = s0 + k, s2 = s1 + k, s3 = s2 + k;
            float* dst = tile + r;
            for (int d = 0; d < k4; d += 4)
            {
                Transpose4x4(Vector128.Load(s0 + d), Vector128.Load(s1 + d), Vector128.Load(s2 + d), Vector128.Load(s3 + d), dst + (long)d * mr, mr);
            }
            for (int d = k4; d < k; d++)
            {
                float* o = dst + (long)d * mr;
                o[0] = s0[d]; o[1] = s1[d]; o[2] = s2[d]; o[3] = s3[d];
            }
        }
    }

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
