// PruneVid.NET — checkpoint loading: the tensors of one AWQ-packed linear layer.
using PruneVid.Kernels.Quantized;
using PruneVid.Runtime.Config;

namespace PruneVid.Runtime.Checkpoint;

/// <summary>
/// A linear layer that an AWQ checkpoint stores as <c>{prefix}qweight</c> I32 [in, out/8], <c>{prefix}qzeros</c> I32
/// [in/G, out/8] and <c>{prefix}scales</c> F16 [in/G, out] in place of <c>{prefix}weight</c> [out, in]
/// (AutoAWQ's GEMM format; <see cref="AwqPacking"/> reads the words).
/// </summary>
internal static class AwqWeights
{
    private const string WeightSuffix = "weight";

    /// <summary>True when the source stores <paramref name="weightName"/> (a <c>….weight</c>) packed.</summary>
    public static bool IsPacked(IWeightSource source, string weightName) =>
        weightName.EndsWith("." + WeightSuffix, StringComparison.Ordinal) && source.TryGet(Prefix(weightName) + "qweight", out _);

    /// <summary>
    /// What is wrong with the packed tensors of <paramref name="weightName"/> for an [out, in] = <paramref name="shape"/>
    /// layer under <paramref name="config"/> (a sentence), or null when they are right.
    /// </summary>
    public static string? Problem(IWeightSource source, string weightName, int[] shape, AwqQuantizationConfig? config)
    {
        string prefix = Prefix(weightName);
        if (config is null) return $"{prefix}qweight is an AWQ tensor but config.json has no quantization_config";
        int outFeatures = shape[0], inFeatures = shape[1], group = config.GroupSize;
        if (outFeatures % 8 != 0) return $"{prefix}qweight: AWQ packs 8 outputs per word, and {outFeatures} outputs is not a multiple of 8";
        if (inFeatures % group != 0) return $"{prefix}qweight: group_size {group} does not divide the {inFeatures} input features";
        return Check(source, prefix + "qweight", SafeTensorDType.I32, [inFeatures, outFeatures / 8])
            ?? Check(source, prefix + "qzeros", SafeTensorDType.I32, [inFeatures / group, outFeatures / 8])
            ?? Check(source, prefix + "scales", SafeTensorDType.F16, [inFeatures / group, outFeatures]);
    }

    /// <summary>Reads the layer into a packed matrix [out, in] (throws naming the tensor when a shape is wrong).</summary>
    public static QuantizedMatrix Unpack(IWeightSource source, string weightName, int[] shape)
    {
        string prefix = Prefix(weightName);
        WeightTensor scales = source.Get(prefix + "scales");
        int groups = scales.Shape.Length == 2 && scales.Shape[0] > 0 ? scales.Shape[0] : 1;
        var config = new AwqQuantizationConfig(shape[1] / groups);
        if (Problem(source, weightName, shape, config) is string problem) throw new SafeTensorsFormatException(source.Location, problem);
        WeightTensor qweight = source.Get(prefix + "qweight"), qzeros = source.Get(prefix + "qzeros");
        QuantizedMatrix matrix = AwqPacking.Unpack(qweight.AsSpan<int>(), qzeros.AsSpan<int>(), scales.AsSpan<Half>(), shape[1], shape[0], config.GroupSize);
        foreach (WeightTensor read in new[] { qweight, qzeros, scales }) read.ReleasePages(); // repacked: the mapped bytes are not read again
        return matrix;
    }

    private static string Prefix(string weightName) => weightName[..^WeightSuffix.Length];

    private static string? Check(IWeightSource source, string name, SafeTensorDType dtype, int[] shape)
    {
        if (!source.TryGet(name, out WeightTensor? tensor)) return $"{name} is missing (AWQ stores qweight, qzeros and scales together)";
        return tensor.DType == dtype && tensor.Shape.AsSpan().SequenceEqual(shape)
            ? null
            : $"{name} is {tensor.DType} [{string.Join(",", tensor.Shape)}], expected {dtype} [{string.Join(",", shape)}]";
    }
}
