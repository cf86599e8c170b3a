// PruneVid.NET — model configuration: the quantization_config of an AWQ checkpoint.
namespace PruneVid.Runtime.Config;

/// <summary>
/// <c>quantization_config</c> of a checkpoint quantized by AutoAWQ, in the one form the runtime reads:
/// <c>quant_method: awq</c>, <c>version: gemm</c>, <c>bits: 4</c>, <c>zero_point: true</c>, any <c>group_size</c>
/// that is a multiple of 32. Anything else is refused by field, before any weight is read. Which layers are packed is
/// read from the checkpoint itself (a layer with <c>.qweight</c> is packed, one with <c>.weight</c> is not), which
/// is what <c>modules_to_not_convert</c> describes.
/// </summary>
/// <param name="GroupSize">Input features sharing one scale and zero point.</param>
public sealed record AwqQuantizationConfig(int GroupSize)
{
    /// <summary>Code width of the supported format.</summary>
    public const int Bits = 4;

    /// <summary>Reads <c>quantization_config</c> from the config's top level; null when the checkpoint is not quantized.</summary>
    internal static AwqQuantizationConfig? Read(ConfigNode root)
    {
        if (root.OptionalObject("quantization_config") is not ConfigNode q) return null;
        string method = q.RequireString("quant_method");
        if (!string.Equals(method, "awq", StringComparison.OrdinalIgnoreCase))
            throw new ConfigException(q.Source, q.FieldPath("quant_method"), $"'{method}' is not supported; quantized checkpoints are read in AutoAWQ's format ('awq')");
        string version = q.OptionalString("version") ?? "gemm";
        if (!string.Equals(version, "gemm", StringComparison.OrdinalIgnoreCase))
            throw new ConfigException(q.Source, q.FieldPath("version"), $"'{version}' is not supported; AWQ checkpoints are read in the GEMM packing ('gemm')");
        int bits = q.OptionalInt("bits") ?? q.RequireInt("w_bit");
        if (bits != Bits)
            throw new ConfigException(q.Source, q.FieldPath(q.Has("bits") ? "bits" : "w_bit"), $"is {bits}; AWQ checkpoints are read with {Bits}-bit codes only");
        bool zeroPoint = q.OptionalBool("zero_point") ?? true;
        if (!zeroPoint)
            throw new ConfigException(q.Source, q.FieldPath("zero_point"), "is false; AWQ checkpoints are read with zero points only (W = (q − z)·s)");
        string groupKey = q.Has("group_size") ? "group_size" : "q_group_size";
        int group = q.RequireInt(groupKey);
        if (group <= 0 || group % 32 != 0)
            throw new ConfigException(q.Source, q.FieldPath(groupKey), $"is {group}; the group size must be a positive multiple of 32");
        return new AwqQuantizationConfig(group);
    }
}
