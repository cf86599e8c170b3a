// PruneVid.NET — generator tests.
using System.Reflection;
using ILGPU;
using ILGPU.Runtime;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Emit;
using PruneVid.Kernels;
using KernelInfo = PruneVid.Kernels.KernelInfo;
using Xunit;

namespace PruneVid.Generators.Tests.Kernels;

/// <summary>
/// Compiles the sample families with the generator, loads the assembly and uses what was generated: the registry
/// resolves kernels by name, and a launcher with a tunable runs on ILGPU's CPU accelerator.
/// </summary>
public sealed class KernelRegistryRuntimeTests
{
    private static readonly Lazy<Assembly> s_sample = new(() =>
    {
        var (_, output, diagnostics) = KernelGeneratorHarness.Run(KernelGeneratorHarness.Compile(SampleKernels.Scale, SampleKernels.Fill));
        Assert.Empty(diagnostics);
        using var image = new MemoryStream();
        EmitResult emitted = output.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        return Assembly.Load(image.ToArray());
    });

    private static IReadOnlyList<KernelInfo> Registry()
        => (IReadOnlyList<KernelInfo>)s_sample.Value.GetType("Sample.Kernels.KernelRegistry", throwOnError: true)!
            .GetProperty("All")!.GetValue(null)!;

    [Fact]
    public void RegistryListsTheSampleKernelsInOrdinalOrder()
    {
        Assert.Equal(["Fill.Rows", "Scale", "Scale.Grouped", "Scale.Unrolled"], Registry().Select(k => k.Name));
        KernelInfo unrolled = Registry().Single(k => k.Name == "Scale.Unrolled");
        Assert.Equal("Reference", unrolled.Reference.Name);
        Assert.Equal(["Scale.Unrolled[unroll=1]", "Scale.Unrolled[unroll=4]"], unrolled.Variants.Select(v => v.Key));
        Assert.Equal("Measure", Registry().Single(k => k.Name == "Scale").Benchmark!.Name);
        Assert.Equal(8, Registry().Single(k => k.Name == "Scale.Grouped").GroupSize);
        Assert.Equal("threads", Registry().Single(k => k.Name == "Fill.Rows").GroupSizeTunable);
    }

    [Fact]
    public void GeneratedLaunchersRunOnTheCpuAccelerator()
    {
        Type scale = s_sample.Value.GetType("Sample.Ops.Scale", throwOnError: true)!;
        using KernelRuntime runtime = KernelRuntime.CreateCpu();
        float[] x = Enumerable.Range(0, 10).Select(i => (float)i).ToArray();
        using var xb = runtime.Accelerator.Allocate1D(x);
        using var yb = runtime.Accelerator.Allocate1D<float>(x.Length);

        // Unrolled by 4: ceil(10 / 4) = 3 threads cover the 10 elements.
        scale.GetMethod("LaunchUnrolled")!.Invoke(null, [runtime, new Index1D(3), (ArrayView<float>)xb.View, (ArrayView<float>)yb.View, 2f, 4]);
        Assert.Equal(x.Select(v => 2f * v), yb.GetAsArray1D());

        // Explicitly grouped: 2 groups of 8 threads cover the 10 elements.
        scale.GetMethod("LaunchGrouped")!.Invoke(null, [runtime, 2, (ArrayView<float>)xb.View, (ArrayView<float>)yb.View, -1f]);
        Assert.Equal(x.Select(v => -v), yb.GetAsArray1D());

        var e = Assert.Throws<TargetInvocationException>(() =>
            scale.GetMethod("LaunchUnrolled")!.Invoke(null, [runtime, new Index1D(3), (ArrayView<float>)xb.View, (ArrayView<float>)yb.View, 2f, 3]));
        var outOfRange = Assert.IsType<ArgumentOutOfRangeException>(e.InnerException);
        Assert.Equal("unroll", outOfRange.ParamName);
        Assert.Contains("Scale.Unrolled: unroll must be one of 1, 4", outOfRange.Message);
    }
}
