// PruneVid.NET — device layer.
namespace PruneVid.Compute;

/// <summary>Element types a <see cref="Tensor"/> can hold. Weights stay raw bf16 (16-bit words), activations are f32.</summary>
public enum DType
{
    /// <summary>IEEE single precision.</summary>
    F32,
    /// <summary>bfloat16 kept as raw <c>ushort</c> words (upper half of an f32).</summary>
    BF16,
    /// <summary>32-bit signed integer (token ids, indices, positions).</summary>
    I32,
}

/// <summary>Sizes and names of <see cref="DType"/> values.</summary>
public static class DTypeInfo
{
    /// <summary>Bytes per element.</summary>
    public static int SizeOf(this DType dtype) => dtype switch
    {
        DType.F32 => 4,
        DType.BF16 => 2,
        DType.I32 => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };
}
