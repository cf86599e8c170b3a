// PruneVid.NET — kernels.
using System.Numerics.Tensors;
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Kernels.Dsl;

namespace PruneVid.Kernels;

/// <summary>SwiGLU gate: y = silu(gate) · up with silu(g) = g / (1 + exp(−g)).</summary>
public static partial class SiluMul
{
    private const int Chunk = 1024;
    private const int ParallelThreshold = 1 << 18;

    /// <summary>
    /// The oracle of the SiluMul kernel and of the Cpu backend's <c>CpuActivations.SiluMul</c> (which the Cpu backend
    /// runs unless Vector512 is missing, then this). <paramref name="y"/> may alias
    /// <paramref name="gate"/> or <paramref name="up"/>.
    /// </summary>
    public static void Reference(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, Span<float> y)
    {
        if (up.Length != gate.Length) throw new ArgumentException($"SiluMul: up length {up.Length} differs from gate length {gate.Length}", nameof(up));
        if (y.Length < gate.Length) throw new ArgumentException($"SiluMul: y length {y.Length} is shorter than gate length {gate.Length}", nameof(y));
        int n = gate.Length;
        if (n < ParallelThreshold)
        {
            for (int start = 0; start < n; start += Chunk)
            {
                int len = Math.Min(Chunk, n - start);
                ApplyChunk(gate.Slice(start, len), up.Slice(start, len), y.Slice(start, len));
            }
            return;
        }

        unsafe
        {
            fixed (float* pg = gate, pu = up, py = y)
            {
                nint g = (nint)pg, u = (nint)pu, o = (nint)py;
                int chunks = (n + Chunk - 1) / Chunk;
                Parallel.For(0, chunks, c =>
                {
                    int start = c * Chunk, len = Math.Min(Chunk, n - start);
                    ApplyChunk(new ReadOnlySpan<float>((float*)g + start, len), new ReadOnlySpan<float>((float*)u + start, len),
                        new Span<float>((float*)o + start, len));
                });
            }
        }
    }

    // Works through a private buffer so that y may alias either input.
    private static void ApplyChunk(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, Span<float> y)
    {
        Span<float> t = stackalloc float[gate.Length];
        TensorPrimitives.Negate(gate, t);
        TensorPrimitives.Exp(t, t);
        TensorPrimitives.Add(t, 1f, t);
        TensorPrimitives.Divide(gate, t, t);
        TensorPrimitives.Multiply(t, up, y);
    }

    /// <summary>One thread per element: y = gate / (1 + exp(−gate)) · up.</summary>
    [Kernel(Reference = nameof(Reference), Benchmark = nameof(Benchmark))]
    internal static void Kernel(
        Index1D i,
        ArrayView1D<float, Stride1D.Dense> gate,
        ArrayView1D<float, Stride1D.Dense> up,
        ArrayView1D<float, Stride1D.Dense> y)
    {
        float g = gate[i];
        y[i] = g / (1f + MathF.Exp(-g)) * up[i];
    }

    /// <summary>Launches <see cref="Kernel"/> over a 7B-sized MLP activation (18944 wide) and records GB/s.</summary>
    public static void Benchmark(KernelRuntime runtime, KernelBenchmarkContext context)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(context);
        int n = (runtime.IsCuda ? 2048 : 2) * 18944;
        using MemoryBuffer1D<float, Stride1D.Dense> gate = runtime.Accelerator.Allocate1D<float>(n);
        using MemoryBuffer1D<float, Stride1D.Dense> up = runtime.Accelerator.Allocate1D<float>(n);
        gate.MemSetToZero();
        up.MemSetToZero();
        context.Measure(runtime, $"SiluMul n={n}", () => Launch(runtime, n, gate.View, up.View, gate.View), bytesMoved: 12L * n);
    }
}
