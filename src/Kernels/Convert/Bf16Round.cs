// PruneVid.NET — kernels.
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Compute;
using PruneVid.Kernels.Dsl;

namespace PruneVid.Kernels;

/// <summary>
/// f32 → bf16 narrowing with round-to-nearest-even (NaN stays a quiet NaN): what PyTorch's <c>.to(torch.bfloat16)</c>
/// does, and how a bf16 KV cache stores the keys and values the f32 projections produce.
/// </summary>
public static partial class Bf16Round
{
    /// <summary>destination[i] = bf16(source[i]) (<see cref="Bf16.FromSingle"/>): the oracle of the kernel and the Cpu core.</summary>
    public static void Reference(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        if (destination.Length < source.Length)
            throw new ArgumentException($"Bf16Round: destination length {destination.Length} is shorter than source length {source.Length}", nameof(destination));
        for (int i = 0; i < source.Length; i++) destination[i] = Bf16.FromSingle(source[i]);
    }

    /// <summary>One thread per element, the same bit operations as <see cref="Bf16.FromSingle"/>.</summary>
    [Kernel(Reference = nameof(Reference))]
    internal static void FromF32Kernel(Index1D i, ArrayView<float> source, ArrayView<ushort> destination)
        => destination[i] = Round(source[i]);

    /// <summary>The bf16 word nearest to <paramref name="value"/> (ties to even); usable inside kernels.</summary>
    public static ushort Round(float value)
    {
        uint bits = Interop.FloatAsInt(value);
        if ((bits & 0x7FFF_FFFFu) > 0x7F80_0000u) return (ushort)((bits >> 16) | 0x40);
        return (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
    }
}
