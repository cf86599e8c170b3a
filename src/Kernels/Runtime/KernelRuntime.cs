// PruneVid.NET — kernel runtime.
using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace PruneVid.Kernels;

/// <summary>
/// One ILGPU <see cref="ILGPU.Context"/>, one <see cref="ILGPU.Runtime.Accelerator"/> and its stream, plus the kernels
/// loaded on it. Generated launchers (<c>RmsNorm.LaunchRows(runtime, …)</c>) compile each kernel entry point on first
/// use and cache it here, keyed by kernel name and tunable values.
/// </summary>
public sealed class KernelRuntime : IDisposable
{
    private static int s_resolverRegistered;
    private readonly ConcurrentDictionary<string, Lazy<Delegate>> _kernels = new(StringComparer.Ordinal);

    private KernelRuntime(Context context, Accelerator accelerator, bool isCuda)
    {
        Context = context;
        Accelerator = accelerator;
        IsCuda = isCuda;
        Name = isCuda ? $"ilgpu-cuda ({accelerator.Name})" : "ilgpu-cpu";
    }

    /// <summary>The ILGPU context (algorithms enabled).</summary>
    public Context Context { get; }

    /// <summary>The accelerator every kernel of this runtime runs on.</summary>
    public Accelerator Accelerator { get; }

    /// <summary>
    /// The stream launchers queue on. It is the accelerator's default stream, so ILGPU's synchronous copies and
    /// these launches stay ordered without extra synchronisation.
    /// </summary>
    public AcceleratorStream Stream => Accelerator.DefaultStream;

    /// <summary>True on a CUDA GPU, false on ILGPU's CPU accelerator.</summary>
    public bool IsCuda { get; }

    /// <summary>Short name for logs ("ilgpu-cpu", "ilgpu-cuda (NVIDIA H100 …)").</summary>
    public string Name { get; }

    /// <summary>
    /// Allocations, transfers, launches and synchronisations on this accelerator. The generated launchers count every
    /// launch; the backend counts its memory traffic.
    /// </summary>
    public PruneVid.Compute.DeviceCounters Counters { get; } = new();

    /// <summary>Number of kernel entry points loaded so far.</summary>
    public int LoadedKernelCount => _kernels.Count;

    /// <summary>
    /// ILGPU's CPU accelerator (the <see cref="CPUDeviceKind.Default"/> kind: warp 4, at most 16 threads per group;
    /// the Nvidia-like kind simulates 32-wide warps and is about 70× slower).
    /// </summary>
    public static KernelRuntime CreateCpu()
    {
        Context context = Context.Create(builder => builder.CPU(CPUDeviceKind.Default).EnableAlgorithms().Optimize(OptimizationLevel.O1));
        try
        {
            return new KernelRuntime(context, context.CreateCPUAccelerator(0), isCuda: false);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>
    /// ILGPU's CPU accelerator with NVIDIA-sized warps (32 lanes, up to <paramref name="warpsPerGroup"/> warps per group):
    /// the device the tensor-core kernels' emulated warp instructions need. Much slower than <see cref="CreateCpu"/>, so
    /// tests keep their shapes small.
    /// </summary>
    public static KernelRuntime CreateCpuWarp32(int warpsPerGroup = 8)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(warpsPerGroup, 1);
        var device = new CPUDevice(32, warpsPerGroup, 1);
        Context context = Context.Create(builder => builder.CPU(device).EnableAlgorithms().Optimize(OptimizationLevel.O1));
        try
        {
            return new KernelRuntime(context, context.CreateCPUAccelerator(0), isCuda: false);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>The first CUDA GPU, or null when there is none (or no usable driver).</summary>
    public static KernelRuntime? TryCreateCuda()
    {
        RegisterCudaResolver();
        Context? context = null;
        try
        {
            context = Context.Create(builder => builder.Cuda().EnableAlgorithms().Optimize(OptimizationLevel.O2));
            if (context.GetCudaDevices().Count == 0)
            {
                context.Dispose();
                return null;
            }
            return new KernelRuntime(context, context.CreateCudaAccelerator(0), isCuda: true);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or CudaException or TypeInitializationException)
        {
            context?.Dispose();
            return null;
        }
    }

    /// <summary>A CUDA GPU when one is present, otherwise the CPU accelerator.</summary>
    public static KernelRuntime CreateBest() => TryCreateCuda() ?? CreateCpu();

    /// <summary>
    /// The loaded kernel for <paramref name="key"/>, compiling it with <paramref name="load"/> on first use. Thread-safe:
    /// concurrent callers share one compilation. Called by generated launchers.
    /// </summary>
    public TDelegate GetOrLoad<TDelegate>(string key, Func<Accelerator, TDelegate> load) where TDelegate : Delegate
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(load);
        ObjectDisposedException.ThrowIf(_disposed, this);
        Lazy<Delegate> entry = _kernels.GetOrAdd(key, _ => new Lazy<Delegate>(() => load(Accelerator), LazyThreadSafetyMode.ExecutionAndPublication));
        return entry.Value as TDelegate
               ?? throw new InvalidOperationException($"kernel '{key}' was loaded as {entry.Value.GetType()}, not {typeof(TDelegate)}");
    }

    /// <summary>Waits for every queued launch and copy.</summary>
    public void Synchronize()
    {
        Stream.Synchronize();
        Counters.CountSynchronization();
    }

    private bool _disposed;

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _kernels.Clear();
        Accelerator.Dispose();
        Context.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => Name;

    // ILGPU imports "cuda", which .NET probes as libcuda.so / cuda.so but never as libcuda.so.1 — the only name a
    // driver-only host or container may ship. One resolver per assembly is allowed, so register it once, and only
    // where ILGPU has not set its own (it does so on WSL).
    private static void RegisterCudaResolver()
    {
        if (!OperatingSystem.IsLinux() || Interlocked.Exchange(ref s_resolverRegistered, 1) != 0) return;
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(Context).Assembly, ResolveCuda);
        }
        catch (InvalidOperationException)
        {
            // ILGPU already installed a resolver; keep it.
        }
    }

    private static nint ResolveCuda(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != "cuda") return 0;
        if (NativeLibrary.TryLoad("libcuda.so", assembly, searchPath, out nint handle)) return handle;
        return NativeLibrary.TryLoad("libcuda.so.1", assembly, searchPath, out handle) ? handle : 0;
    }
}
