// PruneVid.NET — checkpoint loading.

namespace PruneVid.Runtime.Checkpoint;

/// <summary>Element types of the safetensors format, spelled as in the file header (<c>"BF16"</c>, <c>"F32"</c>, …).</summary>
public enum SafeTensorDType
{
    /// <summary>IEEE double.</summary>
    F64,
    /// <summary>IEEE single.</summary>
    F32,
    /// <summary>IEEE half.</summary>
    F16,
    /// <summary>bfloat16 (upper 16 bits of an f32).</summary>
    BF16,
    /// <summary>Signed 64-bit integer.</summary>
    I64,
    /// <summary>Signed 32-bit integer.</summary>
    I32,
    /// <summary>Signed 16-bit integer.</summary>
    I16,
    /// <summary>Signed 8-bit integer.</summary>
    I8,
    /// <summary>Unsigned 64-bit integer.</summary>
    U64,
    /// <summary>Unsigned 32-bit integer.</summary>
    U32,
    /// <summary>Unsigned 16-bit integer.</summary>
    U16,
    /// <summary>Unsigned 8-bit integer.</summary>
    U8,
    /// <summary>Boolean, one byte per element.</summary>
    BOOL,
    /// <summary>8-bit float, 4 exponent / 3 mantissa bits.</summary>
    F8_E4M3,
    /// <summary>8-bit float, 5 exponent / 2 mantissa bits.</summary>
    F8_E5M2,
}

/// <summary>Sizes and header spellings of <see cref="SafeTensorDType"/>.</summary>
public static class SafeTensorDTypeInfo
{
    extension(SafeTensorDType dtype)
    {
        /// <summary>Bytes per element.</summary>
        public int ElementSize => dtype switch
        {
            SafeTensorDType.F64 or SafeTensorDType.I64 or SafeTensorDType.U64 => 8,
            SafeTensorDType.F32 or SafeTensorDType.I32 or SafeTensorDType.U32 => 4,
            SafeTensorDType.F16 or SafeTensorDType.BF16 or SafeTensorDType.I16 or SafeTensorDType.U16 => 2,
            SafeTensorDType.I8 or SafeTensorDType.U8 or SafeTensorDType.BOOL
                or SafeTensorDType.F8_E4M3 or SafeTensorDType.F8_E5M2 => 1,
            _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown safetensors dtype"),
        };

        /// <summary>The spelling used in a safetensors header.</summary>
        public string HeaderName => dtype.ToString();
    }

    /// <summary>Parses a header dtype string (exact, case-sensitive, as the format specifies).</summary>
    public static bool TryParse(string? text, out SafeTensorDType dtype)
    {
        // IsDefined matches member names exactly; Enum.TryParse alone would also take "bf16" or "3".
        dtype = default;
        if (text is null || !Enum.IsDefined(typeof(SafeTensorDType), text)) return false;
        dtype = Enum.Parse<SafeTensorDType>(text);
        return true;
    }
}
