// PruneVid.NET — vision tower.
using PruneVid.Compute;
using PruneVid.Runtime.Config;

namespace PruneVid.Runtime.Model.Vision;

/// <summary>Activation buffers of one encoder call, sized for its patch count and reused by every block.</summary>
internal sealed class VisionScratch : IDisposable
{
    public VisionScratch(ComputeBackend backend, VisionConfig config, int patches)
    {
        int h = config.HiddenSize, i = config.IntermediateSize;
        Normed = backend.Allocate(DType.F32, patches, h);
        Q = backend.Allocate(DType.F32, patches, h);
        K = backend.Allocate(DType.F32, patches, h);
        V = backend.Allocate(DType.F32, patches, h);
        Attention = backend.Allocate(DType.F32, patches, h);
        Gate = backend.Allocate(DType.F32, patches, i);
        Up = backend.Allocate(DType.F32, patches, i);
    }

    /// <summary>RMSNorm output (block input to attention or MLP).</summary>
    public Tensor Normed { get; }
    public Tensor Q { get; }
    public Tensor K { get; }
    public Tensor V { get; }
    public Tensor Attention { get; }
    public Tensor Gate { get; }
    public Tensor Up { get; }

    public void Dispose()
    {
        foreach (Tensor t in new[] { Normed, Q, K, V, Attention, Gate, Up }) t.Dispose();
    }
}
