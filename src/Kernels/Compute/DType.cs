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
    /// <summary>Packed 4-bit weight codes with per-group scales and zero points (weights of a matrix multiply only).</summary>
    Int4,
    /// <summary>Packed 8-bit weight codes with per-group scales and zero points (weights of a matrix multiply only).</summary>
    Int8,
}

/// <summary>Sizes and names of <see cref="DType"/> values.</summary>
public static class DTypeInfo
{
    /// <summary>True for the packed weight formats (<see cref="DType.Int4"/>, <see cref="DType.Int8"/>).</summary>
    public static bool IsQuantized(this DType dtype) => dtype is DType.Int4 or DType.Int8;

    /// <summary>Bytes per element.</summary>
    public static int SizeOf(this DType dtype) => dtype switch
    {
        DType.F32 => 4,
        DType.BF16 => 2,
        DType.I32 => 4,
        DType.Int4 or DType.Int8 => throw new ArgumentException($"{dtype} weights are packed with their scales; they have no size per element", nameof(dtype)),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };
}
