// PruneVid.NET — kernel tests.
using ILGPU;
using ILGPU.Runtime;

namespace PruneVid.Kernels.Tests.Dsl;

/// <summary>Kernel loading is lazy and cached per entry point.</summary>
public sealed class KernelRuntimeTests
{
    [Fact]
    public void LoadsEachEntryPointOnceAndOnlyWhenLaunched()
    {
        using KernelRuntime runtime = KernelRuntime.CreateCpu();
        Assert.Equal(0, runtime.LoadedKernelCount);
        Assert.False(runtime.IsCuda);
        Assert.Equal("ilgpu-cpu", runtime.Name);

        using var source = runtime.Accelerator.Allocate1D(new ushort[] { 0x3F80, 0x4000 });
        using var destination = runtime.Accelerator.Allocate1D<float>(2);
        Bf16Convert.LaunchToF32(runtime, 2, source.View, destination.View);
        Bf16Convert.LaunchToF32(runtime, 2, source.View, destination.View);
        Assert.Equal(1, runtime.LoadedKernelCount);
        Assert.Equal([1f, 2f], destination.GetAsArray1D());

        SiluMul.Launch(runtime, 0, default, default, default); // empty launch: nothing compiled
        Assert.Equal(1, runtime.LoadedKernelCount);
    }

    [Fact]
    public void ConcurrentFirstLaunchesShareOneCompilation()
    {
        using KernelRuntime runtime = KernelRuntime.CreateCpu();
        int loads = 0;
        Parallel.For(0, 8, _ => runtime.GetOrLoad<Action>("probe", _ =>
        {
            Interlocked.Increment(ref loads);
            Thread.Sleep(20);
            return () => { };
        }));
        Assert.Equal(1, loads);
    }

    [Fact]
    public void CreateBestFallsBackToACpuAcceleratorOrFindsAGpu()
    {
        using KernelRuntime runtime = KernelRuntime.CreateBest();
        Assert.Equal(runtime.IsCuda ? AcceleratorType.Cuda : AcceleratorType.CPU, runtime.Accelerator.AcceleratorType);
    }
}
