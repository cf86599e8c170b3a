// PruneVid.NET — model weights: the one path from a weight source to backend tensors.
using System.Buffers;
using PruneVid.Compute;
using PruneVid.Runtime.Checkpoint;

namespace PruneVid.Runtime.Model;

/// <summary>
/// Checks each named weight's shape and hands it to the backend as a BF16 tensor, without a managed copy where the
/// stored bytes already are bf16: a mapped checkpoint goes to
/// <see cref="ComputeBackend.FromHostBf16(nint, long, int[], object)"/> (the Cpu backend then reads the file's pages in
/// place, an accelerator copies them once into device memory), an in-memory <c>ushort[]</c> to
/// <see cref="ComputeBackend.FromHostBf16(ushort[], int[])"/> (used as it is on the Cpu backend). Other dtypes (F32/F16
/// checkpoints) are rounded to bf16 on the way. The source must outlive the tensors (the model keeps it open).
/// </summary>
internal sealed class WeightUploader(ComputeBackend backend, IWeightSource source)
{
    /// <summary>
    /// Uploads <paramref name="name"/>, which must have exactly <paramref name="expected"/> as shape; the tensor gets
    /// <paramref name="deviceShape"/> (same element count) or the checkpoint shape.
    /// </summary>
    public Tensor Upload(string name, int[] expected, int[]? deviceShape = null)
    {
        WeightTensor weight = source.Get(name);
        if (!weight.Shape.AsSpan().SequenceEqual(expected))
            throw new SafeTensorsFormatException(source.Location, $"'{name}' has shape [{string.Join(",", weight.Shape)}], the config needs [{string.Join(",", expected)}]");
        Tensor tensor = ToBackend(weight, deviceShape ?? expected);
        tensor.Name = name;
        return tensor;
    }

    private unsafe Tensor ToBackend(WeightTensor weight, int[] shape)
    {
        if (weight.DType != SafeTensorDType.BF16) return backend.FromBf16(weight.ToBf16Bits(), shape);
        if (weight.IsMapped) return backend.FromHostBf16(weight.Address, weight.ElementCount, shape, owner: source);
        if (weight.ManagedArray is ushort[] words) return backend.FromHostBf16(words, shape);
        using MemoryHandle pin = weight.Pin(); // other in-memory layouts: one copy, straight from the bytes
        return backend.FromBf16(new ReadOnlySpan<ushort>(pin.Pointer, checked((int)weight.ElementCount)), shape);
    }
}
