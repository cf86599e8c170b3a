// PruneVid.NET — vision tower.
using PruneVid.Compute;
using PruneVid.Runtime.Config;

namespace PruneVid.Runtime.Model.Vision;

/// <summary>The PatchMerger's weights on the device: ln_q, then Linear(merged, merged) → GELU → Linear(merged, out).</summary>
internal sealed class PatchMergerWeights : IDisposable
{
    public PatchMergerWeights(WeightUploader upload, VisionConfig config)
    {
        int h = config.HiddenSize, merged = config.MergedHiddenSize;
        LnQ = upload.Upload("visual.merger.ln_q.weight", [h]);
        Fc1 = upload.Upload("visual.merger.mlp.0.weight", [merged, merged]);
        Fc1Bias = upload.Upload("visual.merger.mlp.0.bias", [merged]);
        Fc2 = upload.Upload("visual.merger.mlp.2.weight", [config.OutHiddenSize, merged]);
        Fc2Bias = upload.Upload("visual.merger.mlp.2.bias", [config.OutHiddenSize]);
    }

    public Tensor LnQ { get; }
    public Tensor Fc1 { get; }
    public Tensor Fc1Bias { get; }
    public Tensor Fc2 { get; }
    public Tensor Fc2Bias { get; }

    public void Dispose()
    {
        LnQ.Dispose();
        Fc1.Dispose();
        Fc1Bias.Dispose();
        Fc2.Dispose();
        Fc2Bias.Dispose();
    }
}
