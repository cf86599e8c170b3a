// PruneVid.NET — ILGPU backend: dense matrix multiply.
using ILGPU;
using PruneVid.Compute;

namespace PruneVid.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc />
    /// <remarks>
    /// Decode-shaped calls (M ≤ <see cref="Kernels.MatMul.GemvMaxRows"/>, bf16 weights in their own buffer, even K)
    /// take the bandwidth-bound GEMV kernel; everything else the portable tiled GEMM.
    /// </remarks>
    public void MatMul(Tensor x, Tensor w, Tensor? bias, Tensor y)
    {
        IlgpuTensor tx = Own(x, nameof(x)), tw = Own(w, nameof(w)), ty = Own(y, nameof(y));
        IlgpuTensor? tb = bias is null ? null : Own(bias, nameof(bias));
        RequireF32(tx, nameof(x), "MatMul");
        RequireF32(ty, nameof(y), "MatMul");
        if (tw.DType is not (DType.BF16 or DType.F32)) throw new ArgumentException($"MatMul: w must be BF16 or F32, got {tw}", nameof(w));
        int n = tw.Rows, k = tw.RowLength, m = tx.Rows;
        if (k == 0 || tx.RowLength != k) throw new ArgumentException($"MatMul: rows of x {tx} must have the {k} values of w {tw}'s rows", nameof(x));
        if (ty.Rows != m || ty.RowLength != n) throw new ArgumentException($"MatMul: y {ty} should be [{m},{n}]", nameof(y));
        if (tb is not null && (tb.Length != n || tb.DType != tw.DType))
            throw new ArgumentException($"MatMul: bias {tb} should hold {n} {tw.DType} values", nameof(bias));
        if (m == 0 || n == 0) return;

        int hasBias = tb is null ? 0 : 1;
        if (tw.DType == DType.F32)
        {
            int threads = TiledThreads();
            Kernels.MatMul.LaunchTiledF32(Runtime, Kernels.MatMul.TiledGroups(m, n, threads), tx.RawF32, tw.RawF32,
                (tb ?? tw).RawF32, ty.RawF32, m, n, k, hasBias, threads);
            return;
        }

        ArrayView<ushort> weights = tw.RawBf16;
        // The bias view is unread without a bias, but launchers reject empty views: pass the weights instead.
        ArrayView<ushort> biasView = (tb ?? tw).RawBf16;
        // The GEMV reads bf16 pairs as 32-bit words, so rows must start 4-byte aligned: true for an owned buffer with
        // even K (views hide their offset, so they take the tiled path). It is a GPU kernel: one warp-sized group per
        // output row is what a GPU wants, but ILGPU's CPU accelerator pays per group, so there the tiled kernel runs.
        if (Runtime.IsCuda && m <= Kernels.MatMul.GemvMaxRows && k % 2 == 0 && tw.OwnsBuffer)
        {
            int threads = GroupSize(128);
            Kernels.MatMul.LaunchGemv(Runtime, Kernels.MatMul.GemvGroups(n, threads, Accelerator.WarpSize), tx.RawF32,
                weights.Cast<uint>(), biasView, ty.RawF32, m, n, k, hasBias, threads);
        }
        else
        {
            int threads = TiledThreads();
            Kernels.MatMul.LaunchTiled(Runtime, Kernels.MatMul.TiledGroups(m, n, threads), tx.RawF32, weights, biasView,
                ty.RawF32, m, n, k, hasBias, threads);
        }
    }

    /// <summary>The tiled kernel's largest group the accelerator allows: 256 (64×64 tiles), 64 (32×32) or 16 (16×16).</summary>
    private int TiledThreads() => Accelerator.MaxNumThreadsPerGroup >= 256 ? 256 : Accelerator.MaxNumThreadsPerGroup >= 64 ? 64 : 16;
}
