// PruneVid.NET — kernels: the decode GEMV at bandwidth (128-bit weight loads, several rows per warp, split K).
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using PruneVid.Kernels.Dsl;

namespace PruneVid.Kernels;

public static partial class MatMul
{
    /// <summary>Weights one lane loads at once in <see cref="GemvWideKernel"/>: 8 bf16 = 128 bits.</summary>
    public const int GemvWideVector = 8;

    /// <summary>Groups of one <see cref="GemvWideKernel"/> launch: every slot's warps (⌈N_i / rows per warp⌉), times the K splits.</summary>
    public static int GemvWideGroups(GemvWideShape launch, int threads, int warpSize, int rowsPerWarp)
    {
        long warps = GemvWideWarps(launch.Shapes, rowsPerWarp);
        int warpsPerGroup = threads / warpSize;
        return checked((int)((warps + warpsPerGroup - 1) / warpsPerGroup * launch.Splits));
    }

    private static long GemvWideWarps(ProjectionShapes s, int rowsPerWarp)
        => Ceil(s.N0, rowsPerWarp) + Ceil(s.N1, rowsPerWarp) + Ceil(s.N2, rowsPerWarp);

    private static long Ceil(int n, int d) => (n + d - 1) / d;

    /// <summary>
    /// y_i[M,N_i] (+)= x[M,K] · w_iᵀ (+ bias_i) for up to three bf16 weights that read the same x, built for decode's
    /// bandwidth: each lane loads 8 weights per 128-bit load (<see cref="Bf16x8"/>), a warp owns
    /// <paramref name="rowsPerWarp"/> output columns of one slot (the x values a lane loads serve all of them) and,
    /// with <see cref="GemvWideShape.Splits"/> &gt; 1, only a slice of K, so a narrow output (the k/v projections, the
    /// long-K down projection) still puts enough warps in flight. Unsplit, lane 0 writes y with the epilogue (bias,
    /// accumulate); split, it writes the slice's sum to <paramref name="partial"/> [splits, M, TotalN] and
    /// <see cref="GemvSplitSumKernel"/> adds the slices in order and applies the epilogue (two phases, no atomics, the
    /// same sum on every run). K must be a multiple of <see cref="GemvWideVector"/> and every weight must start 16-byte
    /// aligned (an owned device buffer). Launch with <see cref="GemvWideGroups"/> groups.
    /// </summary>
    [Kernel(Reference = nameof(Reference), GroupSizeTunable = nameof(threads))]
    public static void GemvWideKernel(ArrayView<float> x,
        ArrayView<Bf16x8> w0, ArrayView<ushort> bias0, ArrayView<float> y0,
        ArrayView<Bf16x8> w1, ArrayView<ushort> bias1, ArrayView<float> y1,
        ArrayView<Bf16x8> w2, ArrayView<ushort> bias2, ArrayView<float> y2,
        GemvWideShape launch, ArrayView<float> partial,
        [Tunable(2, 4)] SpecializedValue<int> rowsPerWarp, [Tunable(16, 64, 128, 256)] SpecializedValue<int> threads)
    {
        ProjectionShapes s = launch.Shapes;
        int rows = rowsPerWarp.Value, splits = launch.Splits;
        int split = Grid.IdxX % splits;
        long warp = (long)(Grid.IdxX / splits) * (threads.Value / Warp.WarpSize) + Warp.WarpIdx;
        long warps0 = Ceil(s.N0, rows), warps1 = Ceil(s.N1, rows);
        if (warp >= warps0 + warps1 + Ceil(s.N2, rows)) return; // the whole warp leaves together: its shuffles stay converged
        int slot = warp < warps0 ? 0 : warp < warps0 + warps1 ? 1 : 2;
        int first = (int)(slot == 0 ? warp : slot == 1 ? warp - warps0 : warp - warps0 - warps1) * rows;
        int slotStart = slot == 0 ? 0 : slot == 1 ? s.N0 : s.N0 + s.N1;
        ArrayView<Bf16x8> w = slot == 0 ? w0 : slot == 1 ? w1 : w2;
        ArrayView<ushort> bias = slot == 0 ? bias0 : slot == 1 ? bias1 : bias2;
        ArrayView<float> y = slot == 0 ? y0 : slot == 1 ? y1 : y2;
        int n = s.N(slot), owned = Math.Min(rows, n - first);

        int vectors = s.K / GemvWideVector, perSplit = (vectors + splits - 1) / splits;
        int begin = split * perSplit, end = Math.Min(vectors, begin + perSplit);
        int lane = Warp.LaneIdx, width = Warp.WarpSize;
        long row0 = (long)first * vectors;
        // Rows past the slot's end read row `first` again (in bounds, result dropped), so the loop has no branches.
        long row1 = (long)(owned > 1 ? first + 1 : first) * vectors;
        long row2 = (long)(owned > 2 ? first + 2 : first) * vectors;
        long row3 = (long)(owned > 3 ? first + 3 : first) * vectors;
        bool hasBias = ((s.BiasMask >> slot) & 1) != 0;

        for (int r = 0; r < s.M; r++)
        {
            long xRow = (long)r * s.K;
            float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f;
            for (int v = begin + lane; v < end; v += width)
            {
                long at = xRow + (long)v * GemvWideVector;
                Bf16x8 v0 = LoadVector(w, row0 + v), v1 = LoadVector(w, row1 + v);
                a0 += v0.Dot(x, at);
                a1 += v1.Dot(x, at);
                if (rows == 4)
                {
                    Bf16x8 v2 = LoadVector(w, row2 + v), v3 = LoadVector(w, row3 + v);
                    a2 += v2.Dot(x, at);
                    a3 += v3.Dot(x, at);
                }
            }
            a0 = WarpSum(a0, width);
            a1 = WarpSum(a1, width);
            if (rows == 4)
            {
                a2 = WarpSum(a2, width);
                a3 = WarpSum(a3, width);
            }
            if (lane != 0) continue;
            for (int i = 0; i < owned; i++)
            {
                float acc = i == 0 ? a0 : i == 1 ? a1 : i == 2 ? a2 : a3;
                int column = first + i;
                if (splits > 1)
                    partial[((long)split * s.M + r) * s.TotalN + slotStart + column] = acc;
                else
                {
                    float b = hasBias ? Interop.IntAsFloat((uint)bias[column] << 16) : 0f;
                    long o = (long)r * n + column;
                    y[o] = launch.Accumulate != 0 ? y[o] + (acc + b) : acc + b;
                }
            }
        }
    }

    /// <summary>
    /// Vector <paramref name="index"/> of <paramref name="w"/> as one 128-bit load. ILGPU vectorises a struct load only
    /// where it can prove the address 16-byte aligned, and an indexed element is only as aligned as its type's fields
    /// (4 bytes): a one-element subview marked <c>AsAligned(16)</c> proves it (on the PTX backend; the CPU
    /// accelerator's buffers need not be aligned, and it reads the fields one by one anyway).
    /// </summary>
    private static Bf16x8 LoadVector(ArrayView<Bf16x8> w, long index)
        => CudaAsm.IsSupported ? w.SubView(index, 1).AsAligned(16)[0] : w[index];

    /// <summary>The warp's sum of <paramref name="value"/>, in lane 0.</summary>
    private static float WarpSum(float value, int width)
    {
        for (int offset = width / 2; offset > 0; offset /= 2) value += Warp.ShuffleDown(value, offset);
        return value;
    }

    /// <summary>
    /// Phase 2 of a split <see cref="GemvWideKernel"/>: one thread per output (extent M · TotalN) adds the K slices in
    /// slice order, then the bias, and writes (or, with <see cref="GemvWideShape.Accumulate"/>, adds to) its slot's y.
    /// </summary>
    [Kernel(Reference = nameof(Reference))]
    public static void GemvSplitSumKernel(Index1D index, ArrayView<float> partial,
        ArrayView<ushort> bias0, ArrayView<float> y0, ArrayView<ushort> bias1, ArrayView<float> y1,
        ArrayView<ushort> bias2, ArrayView<float> y2, GemvWideShape launch)
    {
        ProjectionShapes s = launch.Shapes;
        int total = s.TotalN, r = index / total, c = index % total;
        int slot = c < s.N0 ? 0 : c < s.N0 + s.N1 ? 1 : 2;
        int column = slot == 0 ? c : slot == 1 ? c - s.N0 : c - s.N0 - s.N1;
        float acc = 0f;
        for (int split = 0; split < launch.Splits; split++) acc += partial[((long)split * s.M + r) * total + c];
        ArrayView<ushort> bias = slot == 0 ? bias0 : slot == 1 ? bias1 : bias2;
        ArrayView<float> y = slot == 0 ? y0 : slot == 1 ? y1 : y2;
        float b = ((s.BiasMask >> slot) & 1) != 0 ? Interop.IntAsFloat((uint)bias[column] << 16) : 0f;
        long o = (long)r * s.N(slot) + column;
        y[o] = launch.Accumulate != 0 ? y[o] + (acc + b) : acc + b;
    }
}
