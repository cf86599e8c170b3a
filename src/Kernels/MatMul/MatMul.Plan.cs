// PruneVid.NET — kernels: which matrix-multiply variant a call takes (the same rule on every backend).
namespace PruneVid.Kernels;

/// <summary>The two shapes of matrix multiply a backend implements.</summary>
public enum MatMulKernel
{
    /// <summary>Few input rows (decode): stream every weight once, bandwidth-bound.</summary>
    Gemv,
    /// <summary>Many input rows (prefill, vision): blocked tiles that reuse each weight across rows, compute-bound.</summary>
    Tiled,
    /// <summary>Many input rows on tensor cores: bf16 activations × bf16 weights, f32 accumulation (mma.sync).</summary>
    TensorCore,
}

public static partial class MatMul
{
    /// <summary>
    /// The variant for <paramref name="m"/> input rows: the GEMV up to <see cref="GemvMaxRows"/> rows (where it
    /// reads each weight once per call while a tile would waste most of its rows), the tiled kernel beyond.
    /// <paramref name="gemvAvailable"/> is false where the backend cannot run its GEMV for this call.
    /// </summary>
    public static MatMulKernel Plan(int m, bool gemvAvailable = true)
        => Plan(m, gemvAvailable, tensorCoresAvailable: false);

    /// <summary>
    /// As <see cref="Plan(int, bool)"/>, with the tensor-core GEMM instead of the tiled one beyond the GEMV's rows where
    /// <paramref name="tensorCoresAvailable"/> (a CUDA device, bf16 weights, and a caller that accepts bf16 activations).
    /// </summary>
    public static MatMulKernel Plan(int m, bool gemvAvailable, bool tensorCoresAvailable)
        => gemvAvailable && m <= GemvMaxRows ? MatMulKernel.Gemv
            : tensorCoresAvailable ? MatMulKernel.TensorCore : MatMulKernel.Tiled;
}
