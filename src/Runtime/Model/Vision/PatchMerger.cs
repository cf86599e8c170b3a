// PruneVid.NET — vision tower.
using PruneVid.Compute;
using PruneVid.Runtime.Config;

namespace PruneVid.Runtime.Model.Vision;

/// <summary>
/// The PatchMerger (docs/model.md §3.6): RMSNorm per patch, concatenate each merge unit's patches (consecutive rows)
/// into one row, then Linear → exact GELU → Linear to the language model's width.
/// </summary>
internal sealed class PatchMerger(ComputeBackend backend, VisionConfig config, PatchMergerWeights weights) : IDisposable
{
    /// <summary>Merges <paramref name="x"/> [patches, hidden] into <paramref name="output"/> [patches/merge², out_hidden], same unit order.</summary>
    public void Forward(Tensor x, Tensor normed, Tensor output)
    {
        int units = x.Rows / (config.SpatialMergeSize * config.SpatialMergeSize);
        backend.RmsNorm(x, weights.LnQ, VisionEncoder.NormEps, normed);
        Tensor merged = backend.Reshape(normed, units, config.MergedHiddenSize);
        using Tensor hidden = backend.Allocate(DType.F32, units, config.MergedHiddenSize);
        using Tensor activated = backend.Allocate(DType.F32, units, config.MergedHiddenSize);
        backend.MatMul(merged, weights.Fc1, weights.Fc1Bias, hidden);
        backend.Gelu(hidden, activated);
        backend.MatMul(activated, weights.Fc2, weights.Fc2Bias, output);
        // hidden and activated may be disposed with work still queued on them: freeing waits for it (ComputeBackend).
    }

    public void Dispose() => weights.Dispose();
}
