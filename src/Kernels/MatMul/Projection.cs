// PruneVid.NET — device layer: one output of a fused projection (several weights reading the same input).
namespace PruneVid.Compute;

/// <summary>
/// One output of <see cref="ComputeBackend.Project"/>: <see cref="Output"/> = x · <see cref="Weight"/>ᵀ
/// (+ <see cref="Bias"/>). The weights stay separate tensors (no concatenated copy); the backend computes all
/// outputs of one call in one pass (one kernel launch on a device) because they read the same x.
/// </summary>
/// <param name="Weight">[N, K] weights, BF16 or F32 (every projection of a call has the same dtype).</param>
/// <param name="Bias">Optional [N] bias of the weight's dtype.</param>
/// <param name="Output">[M, N] F32 result; may be a row view (e.g. the cache rows a key projection writes).</param>
public readonly record struct Projection(Tensor Weight, Tensor? Bias, Tensor Output);
