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
        Bf16.FromSingle(source, destination);
    }

    /// <summary>One thread per element: <see cref="Bf16.FromSingle(float)"/>, the Cpu core's rounding.</summary>
    [Kernel(Reference = nameof(Reference))]
    internal static void FromF32Kernel(Index1D i, ArrayView<float> source, ArrayView<ushort> destination)
        => destination[i] = Bf16.FromSingle(source[i]);
}
