// PruneVid.NET — vision tower.
using PruneVid.Compute;
using PruneVid.Runtime.Checkpoint;

namespace PruneVid.Runtime.Model.Vision;

/// <summary>The vision tower's view of the shared <see cref="WeightUploader"/> (checked shapes, zero-copy where possible).</summary>
internal sealed class VisionWeightUploader(ComputeBackend backend, IWeightSource source)
{
    private readonly WeightUploader _uploader = new(backend, source);

    /// <summary>See <see cref="WeightUploader.Upload"/>.</summary>
    public Tensor Upload(string name, int[] expected, int[]? deviceShape = null) => _uploader.Upload(name, expected, deviceShape);
}
