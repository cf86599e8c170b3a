// PruneVid.NET — Cpu backend: blocked GEMM y = x · wᵀ (+ bias) with bf16 or f32 weights (the prefill/vision path).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using PruneVid.Compute;

namespace PruneVid.Kernels.Cpu;

/// <summary>
/// A cache-blocked, register-blocked GEMM on Vector512 FMAs (the BLIS loop order). Work is split over column
/// blocks of <c>w</c>, and over rows of x when there are too few column blocks to keep every core busy; the tasks are
/// the indices of one <see cref="CpuWorkers"/> loop. A task walks K in slices of <see cref="KC"/>: it packs the slice
/// of its columns once (<see cref="CpuGemmPacking"/>, widening bf16 to f32) into panels of <see cref="NR"/> columns
/// laid out k-major (L2-resident, in the running thread's slice, reused from call to call), then every
/// <see cref="MR"/>-row tile of x runs the micro-kernel over each panel, keeping an 8×32 block of outputs in 16 zmm
/// accumulators. Oracle: <see cref="MatMul.Reference(ReadOnlySpan{float}, ReadOnlySpan{ushort}, ReadOnlySpan{ushort}, Span{float}, int, int, int)"/>.
/// </summary>
internal static unsafe class CpuGemm
{
    /// <summary>Rows of x per micro-kernel call.</summary>
    public const int MR = 8;

    /// <summary>Columns of w per packed panel: two Vector512 of f32.</summary>
    public const int NR = 32;

    /// <summary>Depth of one packed slice: a panel slice is KC·NR·4 = 32 KB.</summary>
    public const int KC = 256;

    /// <summary>Most columns per task: its packed slice (KC × NC f32 = 256 KB) stays in L2 while every x tile uses it.</summary>
    private const int MaxNC = 256;

    /// <summary>True where the micro-kernel runs on hardware (AVX-512); elsewhere the Cpu backend uses the reference.</summary>
    public static bool IsSupported => Vector512.IsHardwareAccelerated;

    /// <summary>y[M,N] = x[M,K] · wᵀ + bias (bias: N f32 values or null); with <paramref name="accumulate"/>, y += that.</summary>
    public static void Run(float* x, CpuWeights w, float* bias, float* y, int m, bool accumulate = false)
    {
        int n = w.Rows, k = w.Columns;
        // Tasks are column blocks of w; where there are too few of them to keep every core busy (k/v projections,
        // N = 256), the rows of x are split as well, so no task has to stream all of x for a single panel.
        int nc = Math.Min(MaxNC, (n + NR - 1) / NR * NR), columnBlocks = (n + nc - 1) / nc, tiles = (m + MR - 1) / MR;
        int rowBlocks = Math.Clamp(TasksPerCore * CpuWorkers.Workers / columnBlocks, 1, tiles);
        int rowsPerTask = (tiles + rowBlocks - 1) / rowBlocks * MR;
        rowBlocks = (m + rowsPerTask - 1) / rowsPerTask;
        CpuWorkers.For(columnBlocks * rowBlocks, new Tasks(x, w, bias, y, m, nc, rowBlocks, rowsPerTask, accumulate));
    }

    [ThreadStatic] private static float[]? t_packed;

    /// <summary>One (column block, row block) per index, packing into the running thread's reused slice.</summary>
    private readonly struct Tasks(float* x, CpuWeights w, float* bias, float* y, int m, int nc, int rowBlocks, int rowsPerTask, bool accumulate) : ICpuLoop
    {
        private readonly nint _x = (nint)x, _bias = (nint)bias, _y = (nint)y;

        public void Run(int task)
        {
            int n = w.Rows, k = w.Columns;
            int n0 = task / rowBlocks * nc, cols = Math.Min(nc, n - n0), m0 = task % rowBlocks * rowsPerTask;
            // A packed slice: KC × the block's columns rounded up to whole panels, f32.
            float* packed = CpuScratch.Floats(ref t_packed, (long)KC * ((nc + NR - 1) / NR * NR));
            RunColumns((float*)_x + (long)m0 * k, w, (float*)_bias, (float*)_y + (long)m0 * n, Math.Min(rowsPerTask, m - m0), n0, cols, packed, accumulate);
        }
    }

    /// <summary>Tasks per core: enough that a core finishing early finds work.</summary>
    private const int TasksPerCore = 4;

    private static void RunColumns(float* x, CpuWeights w, float* bias, float* y, int m, int n0, int cols, float* packed, bool accumulate)
    {
        int n = w.Rows, k = w.Columns, panels = (cols + NR - 1) / NR;
        // Outputs start at the bias (or zero), or at y plus the bias when accumulating (the residual add of a layer's
        // o_proj and down projection); every K slice then accumulates into them.
        for (int i = 0; i < m; i++)
        {
            var row = new Span<float>(y + (long)i * n + n0, cols);
            if (accumulate)
            {
                if (bias is not null) System.Numerics.Tensors.TensorPrimitives.Add(row, new ReadOnlySpan<float>(bias + n0, cols), row);
            }
            else if (bias is null) row.Clear();
            else new ReadOnlySpan<float>(bias + n0, cols).CopyTo(row);
        }

        float* tail = stackalloc float[MR * NR]; // an output tile narrower than NR goes through here
        float* sink = stackalloc float[NR];      // rows past M in the last tile write here
        for (int k0 = 0; k0 < k; k0 += KC)
        {
            int kc = Math.Min(KC, k - k0);
            CpuGemmPacking.PackColumns(w, n0, cols, k0, kc, packed);
            for (int m0 = 0; m0 < m; m0 += MR)
            {
                int rows = Math.Min(MR, m - m0);
                for (int p = 0; p < panels; p++)
                {
                    int c0 = n0 + p * NR, width = Math.Min(NR, n0 + cols - c0);
                    float* b = packed + (long)p * kc * NR;
                    float* a = x + (long)m0 * k + k0;
                    if (width == NR) Tile(a, k, rows, b, kc, y + (long)m0 * n + c0, n, sink);
                    else
                    {
                        for (int i = 0; i < rows; i++) new Span<float>(y + (long)(m0 + i) * n + c0, width).CopyTo(new Span<float>(tail + i * NR, width));
                        Tile(a, k, rows, b, kc, tail, NR, sink);
                        for (int i = 0; i < rows; i++) new Span<float>(tail + i * NR, width).CopyTo(new Span<float>(y + (long)(m0 + i) * n + c0, width));
                    }
                }
            }
        }
    }

    /// <summary>
    /// c[rows, NR] += a[rows, kc] · b[kc, NR] for rows ≤ MR: missing rows repeat the last real row of a and write
    /// to <paramref name="sink"/>, so one micro-kernel serves every tile.
    /// </summary>
    private static void Tile(float* a, int lda, int rows, float* b, int kc, float* c, int ldc, float* sink)
    {
        float* a0 = a, a1 = Row(a, lda, 1, rows), a2 = Row(a, lda, 2, rows), a3 = Row(a, lda, 3, rows);
        float* a4 = Row(a, lda, 4, rows), a5 = Row(a, lda, 5, rows), a6 = Row(a, lda, 6, rows), a7 = Row(a, lda, 7, rows);
        float* c0 = c, c1 = Out(c, ldc, 1, rows, sink), c2 = Out(c, ldc, 2, rows, sink), c3 = Out(c, ldc, 3, rows, sink);
        float* c4 = Out(c, ldc, 4, rows, sink), c5 = Out(c, ldc, 5, rows, sink), c6 = Out(c, ldc, 6, rows, sink), c7 = Out(c, ldc, 7, rows, sink);
        if (rows < MR) new Span<float>(sink, NR).Clear(); // the sink is read before written: keep it finite
        Kernel8x32(a0, a1, a2, a3, a4, a5, a6, a7, b, kc, c0, c1, c2, c3, c4, c5, c6, c7);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float* Row(float* a, int lda, int i, int rows) => a + (long)Math.Min(i, rows - 1) * lda;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float* Out(float* c, int ldc, int i, int rows, float* sink) => i < rows ? c + (long)i * ldc : sink;

    /// <summary>The register block: 8 rows × 32 columns in 16 accumulators, one broadcast of x per row and depth.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel8x32(float* a0, float* a1, float* a2, float* a3, float* a4, float* a5, float* a6, float* a7,
        float* b, int kc, float* c0, float* c1, float* c2, float* c3, float* c4, float* c5, float* c6, float* c7)
    {
        Vector512<float> r00 = Vector512.Load(c0), r01 = Vector512.Load(c0 + 16);
        Vector512<float> r10 = Vector512.Load(c1), r11 = Vector512.Load(c1 + 16);
        Vector512<float> r20 = Vector512.Load(c2), r21 = Vector512.Load(c2 + 16);
        Vector512<float> r30 = Vector512.Load(c3), r31 = Vector512.Load(c3 + 16);
        Vector512<float> r40 = Vector512.Load(c4), r41 = Vector512.Load(c4 + 16);
        Vector512<float> r50 = Vector512.Load(c5), r51 = Vector512.Load(c5 + 16);
        Vector512<float> r60 = Vector512.Load(c6), r61 = Vector512.Load(c6 + 16);
        Vector512<float> r70 = Vector512.Load(c7), r71 = Vector512.Load(c7 + 16);
        for (int d = 0; d < kc; d++, b += NR)
        {
            Vector512<float> b0 = Vector512.Load(b), b1 = Vector512.Load(b + 16), s;
            s = Vector512.Create(a0[d]); r00 = Vector512.FusedMultiplyAdd(s, b0, r00); r01 = Vector512.FusedMultiplyAdd(s, b1, r01);
            s = Vector512.Create(a1[d]); r10 = Vector512.FusedMultiplyAdd(s, b0, r10); r11 = Vector512.FusedMultiplyAdd(s, b1, r11);
            s = Vector512.Create(a2[d]); r20 = Vector512.FusedMultiplyAdd(s, b0, r20); r21 = Vector512.FusedMultiplyAdd(s, b1, r21);
            s = Vector512.Create(a3[d]); r30 = Vector512.FusedMultiplyAdd(s, b0, r30); r31 = Vector512.FusedMultiplyAdd(s, b1, r31);
            s = Vector512.Create(a4[d]); r40 = Vector512.FusedMultiplyAdd(s, b0, r40); r41 = Vector512.FusedMultiplyAdd(s, b1, r41);
            s = Vector512.Create(a5[d]); r50 = Vector512.FusedMultiplyAdd(s, b0, r50); r51 = Vector512.FusedMultiplyAdd(s, b1, r51);
            s = Vector512.Create(a6[d]); r60 = Vector512.FusedMultiplyAdd(s, b0, r60); r61 = Vector512.FusedMultiplyAdd(s, b1, r61);
            s = Vector512.Create(a7[d]); r70 = Vector512.FusedMultiplyAdd(s, b0, r70); r71 = Vector512.FusedMultiplyAdd(s, b1, r71);
        }
        r00.Store(c0); r01.Store(c0 + 16); r10.Store(c1); r11.Store(c1 + 16);
        r20.Store(c2); r21.Store(c2 + 16); r30.Store(c3); r31.Store(c3 + 16);
        r40.Store(c4); r41.Store(c4 + 16); r50.Store(c5); r51.Store(c5 + 16);
        r60.Store(c6); r61.Store(c6 + 16); r70.Store(c7); r71.Store(c7 + 16);
    }
}
