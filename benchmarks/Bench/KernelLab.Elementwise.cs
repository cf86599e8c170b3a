// PruneVid.NET — kernel lab: elementwise and rotary kernels (bandwidth-bound: GB/s is the figure of merit).
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Kernels;

namespace PruneVid.Bench;

public static partial class KernelLab
{
    // A 2048-token prefill of the 7B MLP activation on a GPU, a small slice on the CPU accelerator.
    private static int ElementCount(KernelRuntime runtime) => runtime.IsCuda ? 2048 * 18944 : 1 << 14;

    private static IEnumerable<LabFamily> ElementwiseFamilies() =>
    [
        new("add", [new("Add.Elementwise", 0, (rt, _) => ValidateAdd(rt), (rt, c, _) => MeasureAdd(rt, c))]),
        new("gelu", [new("Gelu.Elementwise", 1e-6, (rt, _) => ValidateGelu(rt), (rt, c, _) => MeasureGelu(rt, c))]),
        new("rotary", [new("Rotary.HalfPairs", 1e-6, (rt, _) => ValidateRotary(rt), (rt, c, _) => MeasureRotary(rt, c))]),
    ];

    private static double ValidateAdd(KernelRuntime runtime)
    {
        float[] a = Uniform(1, 4099), b = Uniform(2, 4099), expected = new float[4099];
        Add.Reference(a, b, expected);
        using var bb = runtime.Accelerator.Allocate1D(b);
        return RunAndCompare(runtime, a, a.Length, expected, (av, yv) => Add.LaunchElementwise(runtime, a.Length, av, bb.View, yv));
    }

    private static KernelMeasurement MeasureAdd(KernelRuntime runtime, KernelBenchmarkContext context)
    {
        int n = ElementCount(runtime);
        using var a = runtime.Accelerator.Allocate1D<float>(n);
        using var y = runtime.Accelerator.Allocate1D<float>(n);
        a.MemSetToZero();
        return context.Measure(runtime, $"Add n={n}", () => Add.LaunchElementwise(runtime, n, a.View, a.View, y.View), 12L * n);
    }

    private static double ValidateGelu(KernelRuntime runtime)
    {
        float[] x = Uniform(1, 4099), expected = new float[4099];
        for (int i = 0; i < x.Length; i++) x[i] *= 6f;
        Gelu.Reference(x, expected);
        return RunAndCompare(runtime, x, x.Length, expected, (xv, yv) => Gelu.LaunchElementwise(runtime, x.Length, xv, yv));
    }

    private static KernelMeasurement MeasureGelu(KernelRuntime runtime, KernelBenchmarkContext context)
    {
        int n = ElementCount(runtime);
        using var x = runtime.Accelerator.Allocate1D<float>(n);
        x.MemSetToZero();
        return context.Measure(runtime, $"Gelu n={n}", () => Gelu.LaunchElementwise(runtime, n, x.View, x.View), 8L * n);
    }

    private static double ValidateRotary(KernelRuntime runtime)
    {
        const int rows = 7, heads = 3, d = 80;
        float[] x = Uniform(1, rows * heads * d), cos = Uniform(2, rows * d), sin = Uniform(3, rows * d);
        float[] expected = (float[])x.Clone();
        Rotary.Reference(expected, heads, d, cos, sin);
        using var cb = runtime.Accelerator.Allocate1D(cos);
        using var sb = runtime.Accelerator.Allocate1D(sin);
        return RunAndCompare(runtime, x, x.Length, expected, (xv, yv) =>
        {
            xv.CopyTo(yv); // the kernel works in place
            Rotary.LaunchHalfPairs(runtime, x.Length / 2, yv, cb.View, sb.View, heads, d);
        });
    }

    private static KernelMeasurement MeasureRotary(KernelRuntime runtime, KernelBenchmarkContext context)
    {
        // The 7B query projection: 28 heads of 128 per token.
        int rows = runtime.IsCuda ? 2048 : 16, heads = 28, d = 128;
        using var x = runtime.Accelerator.Allocate1D<float>((long)rows * heads * d);
        using var table = runtime.Accelerator.Allocate1D<float>((long)rows * d);
        x.MemSetToZero();
        table.MemSetToZero();
        long elements = (long)rows * heads * d;
        return context.Measure(runtime, $"Rotary rows={rows} heads={heads} d={d}",
            () => Rotary.LaunchHalfPairs(runtime, (int)(elements / 2), x.View, table.View, table.View, heads, d), 8 * elements + 8L * rows * d);
    }
}
