// PruneVid.NET — Cpu backend: SiLU·mul and GELU in one vectorised pass each (arguments already validated).
using System.Runtime.Intrinsics;

namespace PruneVid.Kernels.Cpu;

/// <summary>
/// The activations on Vector512 with a scalar tail: one pass over the data instead of one per arithmetic step, and
/// large inputs split into one contiguous block per core (a <see cref="CpuWorkers"/> loop). SiLU's exp is
/// <see cref="Vector512.Exp(Vector512{float})"/> on every element (the tail through one padded vector): the BCL's
/// vectorised exp, which <c>TensorPrimitives.Exp</c> in <see cref="SiluMul.Reference"/> runs too, so the results are
/// the reference's bit for bit. GELU keeps <see cref="MathF.Exp"/> per lane for the same reason (see
/// <see cref="ExpPerLane"/>). Outputs may alias inputs (each element is read before it is written). Oracles:
/// <see cref="SiluMul.Reference"/>, <see cref="Gelu.Reference"/>; see docs/cpu-backend.md.
/// </summary>
internal static unsafe class CpuActivations
{
    private const int ParallelThreshold = 1 << 18;

    /// <summary>True where Vector512 runs on hardware; elsewhere the Cpu backend uses the references.</summary>
    public static bool IsSupported => Vector512.IsHardwareAccelerated;

    /// <summary>y = gate / (1 + exp(−gate)) · up over <paramref name="count"/> elements.</summary>
    public static void SiluMul(float* gate, float* up, float* y, int count)
    {
        if (count < ParallelThreshold)
        {
            SiluMulRange(gate, up, y, 0, count);
            return;
        }
        int blocks = CpuWorkers.Workers;
        CpuWorkers.For(blocks, new SiluMulBlocks(gate, up, y, count, blocks));
    }

    /// <summary>y = GELU(x) (erf form, <see cref="Gelu.Erf"/>'s approximation) over <paramref name="count"/> elements.</summary>
    public static void Gelu(float* x, float* y, int count)
    {
        if (count < ParallelThreshold)
        {
            GeluRange(x, y, 0, count);
            return;
        }
        int blocks = CpuWorkers.Workers;
        CpuWorkers.For(blocks, new GeluBlocks(x, y, count, blocks));
    }

    /// <summary>
    /// Block <paramref name="index"/> of <paramref name="blocks"/> over <paramref name="count"/> elements: boundaries on
    /// multiples of 16, so only the last block has a scalar tail.
    /// </summary>
    private static (int Start, int End) Block(int index, int blocks, int count)
    {
        int per = (count / blocks + 15) / 16 * 16;
        return (Math.Min(count, index * per), index == blocks - 1 ? count : Math.Min(count, (index + 1) * per));
    }

    private readonly struct SiluMulBlocks(float* gate, float* up, float* y, int count, int blocks) : ICpuLoop
    {
        private readonly nint _gate = (nint)gate, _up = (nint)up, _y = (nint)y;

        public void Run(int index)
        {
            var (start, end) = Block(index, blocks, count);
            SiluMulRange((float*)_gate, (float*)_up, (float*)_y, start, end);
        }
    }

    private readonly struct GeluBlocks(float* x, float* y, int count, int blocks) : ICpuLoop
    {
        private readonly nint _x = (nint)x, _y = (nint)y;

        public void Run(int index)
        {
            var (start, end) = Block(index, blocks, count);
            GeluRange((float*)_x, (float*)_y, start, end);
        }
    }

    private static void SiluMulRange(float* gate, float* up, float* y, int start, int end)
    {
        int i = start;
        for (; i + 16 <= end; i += 16) SiluMul(Vector512.Load(gate + i), Vector512.Load(up + i)).Store(y + i);
        if (i == end) return;
        // The tail goes through one padded vector, so every element sees the same exp.
        float* g = stackalloc float[16], u = stackalloc float[16];
        int tail = end - i;
        new ReadOnlySpan<float>(gate + i, tail).CopyTo(new Span<float>(g, 16));
        new ReadOnlySpan<float>(up + i, tail).CopyTo(new Span<float>(u, 16));
        SiluMul(Vector512.Load(g), Vector512.Load(u)).Store(g);
        new ReadOnlySpan<float>(g, tail).CopyTo(new Span<float>(y + i, tail));
    }

    private static Vector512<float> SiluMul(Vector512<float> gate, Vector512<float> up)
        => gate / (Vector512<float>.One + Vector512.Exp(-gate)) * up;

    private static void GeluRange(float* x, float* y, int start, int end)
    {
        int i = start;
        for (; i + 16 <= end; i += 16)
        {
            Vector512<float> v = Vector512.Load(x + i);
            Vector512<float> half = Vector512.Create(0.5f) * v;
            (half * (Vector512<float>.One + Erf(v * Vector512.Create(0.70710678118654752f)))).Store(y + i);
        }
        for (; i < end; i++) y[i] = Kernels.Gelu.Apply(x[i]);
    }

    /// <summary>
    /// <see cref="MathF.Exp"/> on each lane. GELU's 1 + erf(x/√2) cancels for x below about −3, which magnifies any
    /// exp difference; the scalar exp keeps the result bit-identical to <see cref="Kernels.Gelu.Reference"/>.
    /// </summary>
    private static Vector512<float> ExpPerLane(Vector512<float> v)
    {
        float* lanes = stackalloc float[16];
        v.Store(lanes);
        for (int i = 0; i < 16; i++) lanes[i] = MathF.Exp(lanes[i]);
        return Vector512.Load(lanes);
    }

    /// <summary><see cref="Kernels.Gelu.Erf"/> lane by lane: the same Abramowitz–Stegun 7.1.26 polynomial and operation order.</summary>
    private static Vector512<float> Erf(Vector512<float> x)
    {
        Vector512<float> a = Vector512.Abs(x);
        Vector512<float> t = Vector512<float>.One / (Vector512<float>.One + Vector512.Create(0.3275911f) * a);
        Vector512<float> poly = Vector512.Create(1.061405429f) * t - Vector512.Create(1.453152027f);
        poly = poly * t + Vector512.Create(1.421413741f);
        poly = poly * t - Vector512.Create(0.284496736f);
        poly = poly * t + Vector512.Create(0.254829592f);
        poly *= t;
        Vector512<float> magnitude = Vector512<float>.One - poly * ExpPerLane(-a * a);
        return Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<float>.Zero), -magnitude, magnitude);
    }
}
