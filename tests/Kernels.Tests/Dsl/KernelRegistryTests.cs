// PruneVid.NET — kernel tests.
using System.Reflection;
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Kernels.Dsl;

namespace PruneVid.Kernels.Tests.Dsl;

/// <summary>The generated registry of PruneVid.Kernels lists every kernel with its reference, hook and variants.</summary>
public sealed class KernelRegistryTests
{
    [Fact]
    public void ListsEveryKernelSortedByName()
    {
        // Expected names come from reflection over the [Kernel] methods, not from the generator: Op.Variant for
        // VariantKernel, Op for a method named Kernel.
        string[] expected = typeof(RmsNorm).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Where(m => m.GetCustomAttribute<KernelAttribute>() is not null)
            .Select(m => m.Name == "Kernel" ? m.DeclaringType!.Name : m.DeclaringType!.Name + "." + m.Name[..^"Kernel".Length])
            .Order(StringComparer.Ordinal)
            .ToArray();
        string[] names = KernelRegistry.All.Select(k => k.Name).ToArray();
        Assert.Equal(expected, names);
        Assert.Subset(names.ToHashSet(), new HashSet<string> { "Bf16Convert.ToF32", "RmsNorm.Rows", "RmsNorm.RowsF32Weight", "SiluMul" });
        Assert.Equal(names.Length, names.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void RmsNormRowsDescribesItself()
    {
        KernelInfo info = KernelRegistry.Find("RmsNorm.Rows")!;
        Assert.Equal("RmsNorm", info.Family);
        Assert.Equal(typeof(RmsNorm), info.Method.DeclaringType);
        Assert.Equal(nameof(RmsNorm.Reference), info.Reference.Name);
        Assert.Equal(nameof(RmsNorm.Benchmark), info.Benchmark!.Name);
        Assert.False(info.IsImplicitlyGrouped);
        Assert.Equal("groupSize", info.GroupSizeTunable);
        Assert.Equal([16, 32, 64, 128, 256, 512, 1024], info.Tunables["groupSize"]);
        Assert.Equal(["x", "weight", "y", "dim", "eps", "groupSize"], info.Parameters.Select(p => p.Name));
        Assert.Equal(typeof(SpecializedValue<int>), info.Parameters[^1].Type);
        Assert.Equal(7, info.Variants.Count);
        Assert.Equal("RmsNorm.Rows[groupSize=64]", info.Variants[2].Key);
        Assert.Equal(64, info.Variants[2].Values["groupSize"]);
        // The entry point drops the tunable: it is a constant inside.
        Assert.Equal(5, info.Variants[2].EntryPoint.GetParameters().Length);
    }

    [Fact]
    public void ImplicitlyGroupedKernelHasOneVariantItself()
    {
        KernelInfo info = KernelRegistry.Find("SiluMul")!;
        Assert.True(info.IsImplicitlyGrouped);
        Assert.Empty(info.Tunables);
        Assert.Equal(typeof(Index1D), info.Parameters[0].Type);
        KernelVariant only = Assert.Single(info.Variants);
        Assert.Equal(info.Method, only.EntryPoint);
        Assert.Null(KernelRegistry.Find("siLuMul"));
    }

    [Fact]
    public void EveryReferenceIsAPublicStaticMethodOfTheFamily()
    {
        foreach (KernelInfo info in KernelRegistry.All)
        {
            Assert.True(info.Reference.IsStatic && info.Reference.IsPublic, $"{info.Name}: reference {info.Reference.Name}");
            Assert.Equal(info.Method.DeclaringType, info.Reference.DeclaringType);
        }
    }

    [Fact]
    public void EveryBenchmarkHookRunsOnTheCpuAccelerator()
    {
        using KernelRuntime runtime = KernelRuntime.CreateCpu();
        foreach (KernelInfo info in KernelRegistry.All.Where(k => k.Benchmark is not null))
        {
            KernelVariant variant = info.Variants.First(v => v.Values.Values.All(value => value <= runtime.Accelerator.MaxNumThreadsPerGroup));
            var context = new KernelBenchmarkContext(variant.Values, warmup: 1, iterations: 1);
            info.Benchmark!.Invoke(null, [runtime, context]);
            KernelMeasurement result = Assert.Single(context.Results);
            Assert.True(result.MedianMicroseconds > 0 && result.GigabytesPerSecond > 0, result.ToString());
            Assert.Equal("ilgpu-cpu", result.Device);
        }
    }
}
