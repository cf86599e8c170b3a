// PruneVid.NET — vision tower.
using PruneVid.Compute;
using PruneVid.Runtime.Checkpoint;

namespace PruneVid.Runtime.Model.Vision;

/// <summary>Reads named weights, checks their shapes and uploads them once to the backend as BF16 (f32 weights are rounded).</summary>
internal sealed class VisionWeightUploader(IComputeBackend backend, IWeightSource source)
{
    /// <summary>
    /// Uploads <paramref name="name"/>, which must have exactly <paramref name="expected"/> as shape; the device tensor
    /// gets <paramref name="deviceShape"/> (same element count) or the checkpoint shape.
    /// </summary>
    public Tensor Upload(string name, int[] expected, int[]? deviceShape = null)
    {
        WeightTensor weight = source.Get(name);
        if (!weight.Shape.AsSpan().SequenceEqual(expected))
            throw new SafeTensorsFormatException(source.Location, $"'{name}' has shape [{string.Join(",", weight.Shape)}], the vision config needs [{string.Join(",", expected)}]");
        Tensor tensor = backend.FromBf16(weight.ToBf16Bits(), deviceShape ?? expected);
        tensor.Name = name;
        return tensor;
    }
}
