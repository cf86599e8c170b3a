// PruneVid.NET — kernels.
using System.Numerics;
using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Kernels.Dsl;

namespace PruneVid.Kernels;

/// <summary>bf16 → f32 widening: a bf16 word is the upper half of an f32, so the conversion is exact.</summary>
public static partial class Bf16Convert
{
    /// <summary>
    /// destination[i] = f32(source[i]), vectorised where <see cref="System.Numerics.Vector"/> runs on hardware (exact either way): the
    /// oracle of the widening kernel, and what the Cpu backend runs for ConvertToF32 and bf16 downloads.
    /// </summary>
    public static void Reference(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        if (destination.Length < source.Length)
            throw new ArgumentException($"Bf16Convert: destination length {destination.Length} is shorter than source length {source.Length}", nameof(destination));
        Span<uint> bits = MemoryMarshal.Cast<float, uint>(destination);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ReadOnlySpan<Vector<ushort>> words = MemoryMarshal.Cast<ushort, Vector<ushort>>(source);
            Span<Vector<uint>> wide = MemoryMarshal.Cast<uint, Vector<uint>>(bits);
            for (int v = 0; v < words.Length; v++)
            {
                Vector.Widen(words[v], out Vector<uint> low, out Vector<uint> high);
                wide[2 * v] = Vector.ShiftLeft(low, 16);
                wide[2 * v + 1] = Vector.ShiftLeft(high, 16);
            }
            i = words.Length * Vector<ushort>.Count;
        }
        for (; i < source.Length; i++) bits[i] = (uint)source[i] << 16;
    }

    /// <summary>One thread per element: the bf16 word becomes the upper half of the f32.</summary>
    [Kernel(Reference = nameof(Reference), Benchmark = nameof(Benchmark))]
    internal static void ToF32Kernel(
        Index1D i,
        ArrayView1D<ushort, Stride1D.Dense> source,
        ArrayView1D<float, Stride1D.Dense> destination)
    {
        destination[i] = Interop.IntAsFloat((uint)source[i] << 16);
    }

    /// <summary>Widens a 7B-sized weight matrix (3584 × 3584) and records GB/s.</summary>
    public static void Benchmark(KernelRuntime runtime, KernelBenchmarkContext context)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(context);
        int n = runtime.IsCuda ? 3584 * 3584 : 3584 * 4;
        using MemoryBuffer1D<ushort, Stride1D.Dense> source = runtime.Accelerator.Allocate1D<ushort>(n);
        using MemoryBuffer1D<float, Stride1D.Dense> destination = runtime.Accelerator.Allocate1D<float>(n);
        source.MemSetToZero();
        context.Measure(runtime, $"Bf16Convert.ToF32 n={n}", () => LaunchToF32(runtime, n, source.View, destination.View), bytesMoved: 6L * n);
    }
}
