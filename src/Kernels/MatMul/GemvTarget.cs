// PruneVid.NET — Cpu backend: one output of a GEMV pass (weights, optional bias, output rows).
namespace PruneVid.Kernels.Cpu;

/// <summary>
/// One product of a <see cref="CpuGemv"/> pass: <c>y[M,N] = x · weightsᵀ (+ bias)</c>. Several targets that read the
/// same x (a layer's q, k and v) run as one pass over their concatenated rows. Pointers are valid only while the
/// tensors are pinned.
/// </summary>
internal readonly unsafe struct GemvTarget(CpuWeights weights, float* bias, float* y)
{
    /// <summary>[N, K] weights, bf16 or f32.</summary>
    public CpuWeights Weights { get; } = weights;

    /// <summary>N f32 values, or null.</summary>
    public float* Bias { get; } = bias;

    /// <summary>The [M, N] output rows.</summary>
    public float* Y { get; } = y;
}
