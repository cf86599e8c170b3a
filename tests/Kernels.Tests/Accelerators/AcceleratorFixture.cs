// PruneVid.NET — kernel tests.
namespace PruneVid.Kernels.Tests.Accelerators;

/// <summary>Owns one <see cref="KernelRuntime"/> for the tests of one class; subclasses pick the accelerator.</summary>
public abstract class AcceleratorFixture : IDisposable
{
    private readonly Lazy<KernelRuntime> _runtime;

    protected AcceleratorFixture(Func<KernelRuntime> create) => _runtime = new Lazy<KernelRuntime>(create);

    /// <summary>The accelerator under test (created on first use).</summary>
    public KernelRuntime Runtime => _runtime.Value;

    public void Dispose()
    {
        if (_runtime.IsValueCreated) _runtime.Value.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>ILGPU's CPU accelerator: runs everywhere, so CPU-only CI exercises every kernel.</summary>
public sealed class CpuAcceleratorFixture() : AcceleratorFixture(KernelRuntime.CreateCpu);

/// <summary>
/// ILGPU's CPU accelerator with 32-lane warps and 2 warps per group: hosts the tensor-core kernels' emulated fragments
/// (every simulated thread is an OS thread, so groups stay small).
/// </summary>
public sealed class Warp32CpuAcceleratorFixture() : AcceleratorFixture(() => KernelRuntime.CreateCpuWarp32(warpsPerGroup: 2));

/// <summary>The first CUDA GPU. Only classes marked <see cref="RequiresCudaAttribute"/> use it, and those are not discovered without a GPU.</summary>
public sealed class CudaAcceleratorFixture() : AcceleratorFixture(
    () => KernelRuntime.TryCreateCuda() ?? throw new InvalidOperationException("no CUDA device: this fixture needs a GPU"));
