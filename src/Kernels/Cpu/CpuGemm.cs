// PruneVid.NET — Cpu backend: blocked GEMM y = x · wᵀ (+ bias) with bf16 or f32 weights (the prefill/vision path).
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using PruneVid.Compute;

namespace PruneVid.Kernels.Cpu;

/// <summary>
/// A cache-blocked, register-blocked GEMM on Vector512 FMAs (the BLIS loop order). x is first packed into tiles of
/// <see cref="MR"/> rows, row-interleaved, so the micro-kernel's broadcasts read one contiguous stream. Work is then
/// split over column blocks of <c>w</c> (one per task, both cores busy). A task walks K in slices of <see cref="KC"/>:
/// it packs the slice of its columns once — widening bf16 to f32 once per element — into panels of <see cref="NR"/>
/// columns laid out k-major (L2-resident), then every x tile runs <see cref="CpuGemmKernel"/> over each panel,
/// keeping an MR×32 block of outputs in zmm accumulators. Oracle: <see cref="MatMul.Reference(ReadOnlySpan{float}, ReadOnlySpan{ushort}, ReadOnlySpan{ushort}, Span{float}, int, int, int)"/>.
/// </summary>
internal static unsafe class CpuGemm
{
    /// <summary>Rows of x per micro-kernel call.</summary>
    public const int MR = CpuGemmKernel.MR;

    /// <summary>Columns of w per packed panel: two Vector512 of f32.</summary>
    public const int NR = 32;

    /// <summary>Depth of one packed slice: a panel slice is KC·NR·4 = 32 KB.</summary>
    public const int KC = 256;

    /// <summary>Most columns per task: its packed slice (KC × NC f32 = 256 KB) stays in L2 while every x tile uses it.</summary>
    private const int MaxNC = 256;

    /// <summary>Tasks per core: enough that a core finishing early finds work.</summary>
    private const int TasksPerCore = 4;

    /// <summary>x tiles per block (MC = 16·MR rows): the block's K slice (192 KB) stays in L2 beside the packed w slice.</summary>
    private const int TilesPerBlock = 16;

    /// <summary>True where the micro-kernel runs on hardware (AVX-512); elsewhere the Cpu backend uses the reference.</summary>
    public static bool IsSupported => Vector512.IsHardwareAccelerated;

    /// <summary>y[M,N] = x[M,K] · wᵀ + bias (bias: N f32 values or null); with <paramref name="accumulate"/>, y += that.</summary>
    public static void Run(float* x, CpuWeights w, float* bias, float* y, int m, bool accumulate = false)
    {
        int n = w.Rows, k = w.Columns;
        float* packedX = CpuGemmPacking.PackRows(x, m, k);
        // Tasks are column blocks of w; where there are too few of them to keep every core busy (k/v projections,
        // N = 256), x's tiles are split as well, so no task has to stream all of x for a single panel.
        int nc = Math.Min(MaxNC, (n + NR - 1) / NR * NR), columnBlocks = (n + nc - 1) / nc, tiles = (m + MR - 1) / MR;
        int rowBlocks = Math.Clamp(TasksPerCore * Environment.ProcessorCount / columnBlocks, 1, tiles);
        int tilesPerTask = (tiles + rowBlocks - 1) / rowBlocks;
        rowBlocks = (tiles + tilesPerTask - 1) / tilesPerTask;
        var (xp, yp, bp) = ((nint)packedX, (nint)y, (nint)bias);
        Parallel.For(0, columnBlocks * rowBlocks, () => new PackedSlice(nc), (task, _, packed) =>
        {
            int n0 = task / rowBlocks * nc, cols = Math.Min(nc, n - n0), tile0 = task % rowBlocks * tilesPerTask;
            RunBlock((float*)xp, w, (float*)bp, (float*)yp, m, n0, cols, tile0, Math.Min(tiles, tile0 + tilesPerTask), packed, accumulate);
            return packed;
        }, packed => packed.Dispose());
    }

    /// <summary>Columns n0 .. n0+cols of the x tiles tile0 .. tile1 (rows tile0·MR .. min(M, tile1·MR)).</summary>
    private static void RunBlock(float* packedX, CpuWeights w, float* bias, float* y, int m, int n0, int cols, int tile0, int tile1, PackedSlice packed, bool accumulate)
    {
        int n = w.Rows, k = w.Columns, panels = (cols + NR - 1) / NR;
        // Outputs start at the bias (or zero), or at y plus the bias when accumulating (the residual add of a layer's
        // o_proj and down projection); every K slice then accumulates into them.
        for (int i = tile0 * MR, end = Math.Min(m, tile1 * MR); i < end; i++)
        {
            var row = new Span<float>(y + (long)i * n + n0, cols);
            if (accumulate)
            {
                if (bias is not null) System.Numerics.Tensors.TensorPrimitives.Add(row, new ReadOnlySpan<float>(bias + n0, cols), row);
            }
            else if (bias is null) row.Clear();
            else new ReadOnlySpan<float>(bias + n0, cols).CopyTo(row);
        }

        float* edge = stackalloc float[MR * NR]; // a tile with rows past M or columns past N goes through here
        for (int k0 = 0; k0 < k; k0 += KC)
        {
            int kc = Math.Min(KC, k - k0);
            CpuGemmPacking.PackColumns(w, n0, cols, k0, kc, packed.Data);
            // A block of x tiles (L2) runs against one panel (L1) before the next panel, so the kernel's vector loads
            // hit L1 and only its broadcasts come from L2.
            for (int t0 = tile0; t0 < tile1; t0 += TilesPerBlock)
            {
                int t1 = Math.Min(tile1, t0 + TilesPerBlock);
                for (int p = 0; p < panels; p++)
                {
                    int c0 = n0 + p * NR, width = Math.Min(NR, n0 + cols - c0);
                    float* b = packed.Data + (long)p * kc * NR;
                    for (int t = t0; t < t1; t++)
                    {
                        int m0 = t * MR, rows = Math.Min(MR, m - m0);
                        float* a = packedX + ((long)t * k + k0) * MR;
                        float* c = y + (long)m0 * n + c0;
                        if (t + 1 < t1) PrefetchTile(c + (long)MR * n, n);
                        if (rows == MR && width == NR) CpuGemmKernel.Run(a, b, kc, c, n);
                        else
                        {
                            new Span<float>(edge, MR * NR).Clear();
                            for (int i = 0; i < rows; i++) new Span<float>(c + (long)i * n, width).CopyTo(new Span<float>(edge + i * NR, width));
                            CpuGemmKernel.Run(a, b, kc, edge, NR);
                            for (int i = 0; i < rows; i++) new Span<float>(edge + i * NR, width).CopyTo(new Span<float>(c + (long)i * n, width));
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Asks for the next tile's outputs (MR rows of NR floats, two cache lines each) while this tile computes: they
    /// were last touched a whole panel sweep ago and the kernel's first loads would otherwise wait on them.
    /// </summary>
    private static void PrefetchTile(float* c, int ldc)
    {
        for (int i = 0; i < MR; i++)
        {
            Sse.Prefetch0(c + (long)i * ldc);
            Sse.Prefetch0(c + (long)i * ldc + 16);
        }
    }

    /// <summary>One task's packed slice (KC × its columns, f32, 64-byte aligned), reused across calls of the task.</summary>
    private sealed class PackedSlice : IDisposable
    {
        public PackedSlice(int columns) => Data = (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)(KC * ((columns + NR - 1) / NR * NR) * sizeof(float)), 64);

        public float* Data { get; }

        public void Dispose() => System.Runtime.InteropServices.NativeMemory.AlignedFree(Data);
    }
}
