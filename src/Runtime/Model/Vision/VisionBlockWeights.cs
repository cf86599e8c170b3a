// PruneVid.NET — vision tower.
using PruneVid.Compute;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Config;

namespace PruneVid.Runtime.Model.Vision;

/// <summary>
/// One vision block's weights on the device (docs/model.md §2.1). The fused QKV matrix is uploaded once; q, k and v
/// are row views of it (rows q 0..H−1, k H..2H−1, v 2H..3H−1), as are their biases.
/// </summary>
internal sealed class VisionBlockWeights : IDisposable
{
    private readonly Tensor[] _owned;

    public VisionBlockWeights(ComputeBackend backend, WeightUploader upload, VisionConfig config, int index)
    {
        string p = WeightNames.VisionBlock(index);
        int h = config.HiddenSize, i = config.IntermediateSize;
        Norm1 = upload.Upload(p + "norm1.weight", [h]);
        Norm2 = upload.Upload(p + "norm2.weight", [h]);
        Qkv = upload.Upload(p + "attn.qkv.weight", [3 * h, h]);
        QkvBias = upload.Upload(p + "attn.qkv.bias", [3 * h]);
        Proj = upload.Upload(p + "attn.proj.weight", [h, h]);
        ProjBias = upload.Upload(p + "attn.proj.bias", [h]);
        Gate = upload.Upload(p + "mlp.gate_proj.weight", [i, h]);
        GateBias = upload.Upload(p + "mlp.gate_proj.bias", [i]);
        Up = upload.Upload(p + "mlp.up_proj.weight", [i, h]);
        UpBias = upload.Upload(p + "mlp.up_proj.bias", [i]);
        Down = upload.Upload(p + "mlp.down_proj.weight", [h, i]);
        DownBias = upload.Upload(p + "mlp.down_proj.bias", [h]);
        _owned = [Norm1, Norm2, Qkv, QkvBias, Proj, ProjBias, Gate, GateBias, Up, UpBias, Down, DownBias];

        Q = backend.SliceRows(Qkv, 0, h);
        K = backend.SliceRows(Qkv, h, h);
        V = backend.SliceRows(Qkv, 2 * h, h);
        QBias = backend.SliceRows(QkvBias, 0, h);
        KBias = backend.SliceRows(QkvBias, h, h);
        VBias = backend.SliceRows(QkvBias, 2 * h, h);
    }

    public Tensor Norm1 { get; }
    public Tensor Norm2 { get; }
    public Tensor Qkv { get; }
    public Tensor QkvBias { get; }
    public Tensor Q { get; }
    public Tensor K { get; }
    public Tensor V { get; }
    public Tensor QBias { get; }
    public Tensor KBias { get; }
    public Tensor VBias { get; }
    public Tensor Proj { get; }
    public Tensor ProjBias { get; }
    public Tensor Gate { get; }
    public Tensor GateBias { get; }
    public Tensor Up { get; }
    public Tensor UpBias { get; }
    public Tensor Down { get; }
    public Tensor DownBias { get; }

    public void Dispose()
    {
        foreach (Tensor t in _owned) t.Dispose();
    }
}
