// PruneVid.NET — ILGPU backend: dense matrix multiply.
using ILGPU;
using PruneVid.Compute;

namespace PruneVid.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc />
    /// <remarks>
    /// <see cref="Kernels.MatMul.Plan"/> picks the kernel: the bandwidth-bound GEMV for decode-shaped calls, the
    /// tensor-core GEMM for the rest where <see cref="TensorCores"/> is on, the portable tiled GEMM otherwise.
    /// </remarks>
    protected override void MatMulCore(Tensor x, Tensor w, Tensor? bias, Tensor y, int m, int n, int k, bool accumulate)
    {
        IlgpuTensor tx = (IlgpuTensor)x, tw = (IlgpuTensor)w, ty = (IlgpuTensor)y;
        var tb = (IlgpuTensor?)bias;
        int hasBias = tb is null ? 0 : 1, add = accumulate ? 1 : 0;
        if (tw.DType == DType.F32)
        {
            int threads = TiledThreads();
            Kernels.MatMul.LaunchTiledF32(Runtime, Kernels.MatMul.TiledGroups(m, n, threads), tx.RawF32, tw.RawF32,
                (tb ?? tw).RawF32, ty.RawF32, m, n, k, hasBias, add, threads);
            return;
        }

        ArrayView<ushort> weights = tw.RawBf16;
        // The bias view is unread without a bias, but launchers reject empty views: pass the weights instead.
        ArrayView<ushort> biasView = (tb ?? tw).RawBf16;
        // The GEMV reads bf16 pairs as 32-bit words, so rows must start 4-byte aligned: true for an owned buffer with
        // even K (views hide their offset). It is a GPU kernel: on ILGPU's CPU accelerator the tiled kernel is faster.
        bool pairsAligned = k % 2 == 0 && tw.OwnsBuffer;
        MatMulKernel plan = Kernels.MatMul.Plan(m, Runtime.IsCuda && pairsAligned, TensorCores);
        if (plan == MatMulKernel.TensorCore)
            LaunchTensorCoreMatMul(tx, weights, biasView, ty, m, n, k, hasBias, add);
        else if (plan == MatMulKernel.Gemv)
        {
            int threads = GroupSize(128);
            Kernels.MatMul.LaunchGemv(Runtime, Kernels.MatMul.GemvGroups(n, threads, Accelerator.WarpSize), tx.RawF32,
                weights.Cast<uint>(), biasView, ty.RawF32, m, n, k, hasBias, add, threads);
        }
        else
        {
            int threads = TiledThreads();
            Kernels.MatMul.LaunchTiled(Runtime, Kernels.MatMul.TiledGroups(m, n, threads), tx.RawF32, weights, biasView,
                ty.RawF32, m, n, k, hasBias, add, threads);
        }
    }

    /// <summary>The tiled kernel's largest group the accelerator allows: 256 (64×64 tiles), 64 (32×32) or 16 (16×16).</summary>
    private int TiledThreads() => Accelerator.MaxNumThreadsPerGroup >= 256 ? 256 : Accelerator.MaxNumThreadsPerGroup >= 64 ? 64 : 16;
}
