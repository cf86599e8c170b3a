// PruneVid.NET — model weights: the one path from a weight source to backend tensors.
using System.Buffers;
using PruneVid.Compute;
using PruneVid.Kernels.Quantized;
using PruneVid.Runtime.Checkpoint;

namespace PruneVid.Runtime.Model;

/// <summary>
/// Checks each named weight's shape and hands it to the backend as a BF16 tensor, without a managed copy where the
/// stored bytes already are bf16: a mapped checkpoint goes to
/// <see cref="ComputeBackend.FromHostBf16(nint, long, int[], object)"/> (the Cpu backend then reads the file's pages in
/// place, an accelerator copies them once into device memory), an in-memory <c>ushort[]</c> to
/// <see cref="ComputeBackend.FromHostBf16(ushort[], int[])"/> (used as it is on the Cpu backend). F32 and F16 tensors are
/// kept exact as F32 tensors (F16 widened once at load): every weight op takes F32 weights, and rounding them to bf16
/// would change the checkpoint's numbers; the cost is 4 bytes per weight, twice a bf16 checkpoint. The source must
/// outlive the tensors (the model keeps it open).
/// </summary>
internal sealed class WeightUploader(ComputeBackend backend, IWeightSource source, WeightFormat format = WeightFormat.Stored)
{
    /// <summary>
    /// Uploads the linear layer <paramref name="name"/> [out, in] = <paramref name="expected"/>: packed as the checkpoint
    /// stores it (AWQ <c>qweight</c>/<c>qzeros</c>/<c>scales</c>), quantized at load when the format asks for int8/int4,
    /// otherwise as <see cref="Upload"/> does.
    /// </summary>
    public Tensor UploadLinear(string name, int[] expected)
    {
        QuantizedMatrix? matrix = null;
        if (AwqWeights.IsPacked(source, name)) matrix = AwqWeights.Unpack(source, name, expected);
        else if (format != WeightFormat.Stored) matrix = Quantize(CheckedShape(name, expected), expected, format == WeightFormat.Int8 ? 8 : 4);
        if (matrix is null) return Upload(name, expected);
        return Packed(name, matrix);
    }

    /// <summary>
    /// Uploads the embedding table or the lm_head [vocab, hidden]: as <see cref="Upload"/> by default; packed as int8
    /// (per 128 columns) whenever the format packs the linear layers, int4 included. Decode reads the whole lm_head
    /// every token (for the 3B model 0.62 GB as bf16, 0.32 GB as int8), so leaving it bf16 would make it a quarter of
    /// an int4 model's bytes per token and of its memory; int8 rather than int4 because the logits are read directly
    /// (llama.cpp's own quantizations keep the output matrix at 6 bits or more for the same reason). A tied table
    /// packed once serves both the lookup and the lm_head.
    /// </summary>
    public Tensor UploadTable(string name, int[] expected)
    {
        if (format == WeightFormat.Stored) return Upload(name, expected);
        return Packed(name, Quantize(CheckedShape(name, expected), expected, 8));
    }

    /// <summary>
    /// Hands a packed matrix to the backend. A backend that copies it (an accelerator, or the Cpu backend reordering it
    /// into tiles) leaves the matrix as garbage as large as the tensor; collecting it right away keeps the peak memory
    /// of a load near the model's own size instead of up to twice that (a collection of a heap of a few large byte
    /// arrays takes milliseconds).
    /// </summary>
    private Tensor Packed(string name, QuantizedMatrix matrix)
    {
        Tensor tensor = backend.FromQuantized(matrix);
        tensor.Name = name;
        GC.Collect();
        return tensor;
    }

    /// <summary>
    /// Quantizes a checkpoint tensor: bf16 straight from its words (no f32 copy of the matrix), F16/F32 through their
    /// exact f32 values. The mapped pages are then released, so the checkpoint's bytes do not stay resident beside
    /// the packed copy.
    /// </summary>
    private static unsafe QuantizedMatrix Quantize(WeightTensor weight, int[] shape, int bits)
    {
        QuantizedMatrix matrix;
        if (weight.DType == SafeTensorDType.BF16 && weight.IsMapped)
            matrix = WeightQuantizer.QuantizeBf16(new ReadOnlySpan<ushort>(weight.Pointer, checked((int)weight.ElementCount)), shape[0], shape[1], bits);
        else if (weight.DType == SafeTensorDType.BF16 && weight.ManagedArray is ushort[] words)
            matrix = WeightQuantizer.QuantizeBf16(words, shape[0], shape[1], bits);
        else matrix = WeightQuantizer.Quantize(weight.ToF32(), shape[0], shape[1], bits);
        weight.ReleasePages();
        return matrix;
    }

    /// <summary>Uploads the bias of a linear layer: F32 when its <paramref name="weight"/> is packed (the packed kernels take f32), else as <see cref="Upload"/>.</summary>
    public Tensor UploadBias(string name, int[] expected, Tensor weight)
    {
        if (!weight.DType.IsQuantized()) return Upload(name, expected);
        Tensor tensor = backend.FromF32(CheckedShape(name, expected).ToF32(), expected);
        tensor.Name = name;
        return tensor;
    }

    /// <summary>
    /// Uploads <paramref name="name"/>, which must have exactly <paramref name="expected"/> as shape; the tensor gets
    /// <paramref name="deviceShape"/> (same element count) or the checkpoint shape.
    /// </summary>
    public Tensor Upload(string name, int[] expected, int[]? deviceShape = null)
    {
        Tensor tensor = ToBackend(CheckedShape(name, expected), deviceShape ?? expected);
        tensor.Name = name;
        return tensor;
    }

    private WeightTensor CheckedShape(string name, int[] expected)
    {
        WeightTensor weight = source.Get(name);
        if (!weight.Shape.AsSpan().SequenceEqual(expected))
            throw new SafeTensorsFormatException(source.Location, $"'{name}' has shape [{string.Join(",", weight.Shape)}], the config needs [{string.Join(",", expected)}]");
        return weight;
    }

    private unsafe Tensor ToBackend(WeightTensor weight, int[] shape)
    {
        if (weight.DType is SafeTensorDType.F32 or SafeTensorDType.F16)
        {
            Tensor copy = backend.FromF32(weight.ToF32(), shape);
            weight.ReleasePages(); // the F32 copy is what the model reads
            return copy;
        }
        if (weight.DType != SafeTensorDType.BF16)
            throw new SafeTensorsFormatException(source.Location, $"'{weight.Name}' is {weight.DType}; weights must be BF16, F16 or F32");
        if (weight.IsMapped) return backend.FromHostBf16(weight.Address, weight.ElementCount, shape, owner: source);
        if (weight.ManagedArray is ushort[] words) return backend.FromHostBf16(words, shape);
        using MemoryHandle pin = weight.Pin(); // other in-memory layouts: one copy, straight from the bytes
        return backend.FromBf16(new ReadOnlySpan<ushort>(pin.Pointer, checked((int)weight.ElementCount)), shape);
    }
}
