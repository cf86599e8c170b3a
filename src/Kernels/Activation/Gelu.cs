// PruneVid.NET — kernels: exact (erf) GELU.
using ILGPU;
using PruneVid.Kernels.Dsl;

namespace PruneVid.Kernels;

/// <summary>GELU(x) = x/2 · (1 + erf(x/√2)), PyTorch's default (non-tanh) form used by the Qwen2.5-VL merger.</summary>
public static partial class Gelu
{
    /// <summary>
    /// erf in f32 arithmetic only (usable inside kernels, where the BCL has no erf): Abramowitz–Stegun 7.1.26,
    /// |error| ≤ 1.5e-7 — far below the bf16 resolution of the weights feeding it.
    /// </summary>
    public static float Erf(float x)
    {
        float sign = x < 0f ? -1f : 1f;
        float a = x < 0f ? -x : x;
        float t = 1f / (1f + 0.3275911f * a);
        float poly = ((((1.061405429f * t - 1.453152027f) * t + 1.421413741f) * t - 0.284496736f) * t + 0.254829592f) * t;
        return sign * (1f - poly * MathF.Exp(-a * a));
    }

    /// <summary>One element.</summary>
    public static float Apply(float x) => 0.5f * x * (1f + Erf(x * 0.70710678118654752f));

    /// <summary>The plain C# reference (y may alias x).</summary>
    public static void Reference(ReadOnlySpan<float> x, Span<float> y)
    {
        if (y.Length < x.Length) throw new ArgumentException("gelu: output shorter than input");
        for (int i = 0; i < x.Length; i++) y[i] = Apply(x[i]);
    }

    /// <summary>
    /// One thread per element: y[i] = GELU(x[i]) through <see cref="Apply"/> (plain f32 arithmetic, so the kernel and
    /// the reference share one formula). On PTX the <c>MathF.Exp</c> inside <see cref="Erf"/> becomes <c>ex2.approx</c>
    /// (about 2 ulp), well inside the erf approximation's own 1.5e-7. y may alias x.
    /// </summary>
    [Kernel(Reference = nameof(Reference))]
    public static void ElementwiseKernel(Index1D i, ArrayView<float> x, ArrayView<float> y) => y[i] = Apply(x[i]);
}
