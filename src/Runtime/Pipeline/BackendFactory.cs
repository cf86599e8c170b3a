// PruneVid.NET — pipeline.
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Kernels;

namespace PruneVid.Runtime.Pipeline;

/// <summary>Creates the compute backend for a <see cref="DeviceKind"/>.</summary>
public static class BackendFactory
{
    /// <summary>A new backend; the caller disposes it.</summary>
    public static ComputeBackend Create(DeviceKind device) => device switch
    {
        DeviceKind.Cpu => new CpuBackend(),
        DeviceKind.IlgpuCpu => new IlgpuBackend(KernelRuntime.CreateCpu(), ownsRuntime: true),
        DeviceKind.Cuda => new IlgpuBackend(KernelRuntime.TryCreateCuda()
            ?? throw new InvalidOperationException("no CUDA device found: check that the NVIDIA driver is installed (libcuda.so or libcuda.so.1) and a GPU is visible, or use --device cpu"), ownsRuntime: true),
        DeviceKind.Auto => KernelRuntime.TryCreateCuda() is { } cuda ? new IlgpuBackend(cuda, ownsRuntime: true) : new CpuBackend(),
        _ => throw new ArgumentOutOfRangeException(nameof(device), device, "unknown device"),
    };

    /// <summary>Parses "auto", "cpu", "cuda" or "ilgpu-cpu" (case-insensitive).</summary>
    public static DeviceKind Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "auto" => DeviceKind.Auto,
        "cpu" => DeviceKind.Cpu,
        "cuda" or "gpu" => DeviceKind.Cuda,
        "ilgpu-cpu" => DeviceKind.IlgpuCpu,
        _ => throw new ArgumentException($"unknown device '{text}': use auto, cpu, cuda or ilgpu-cpu"),
    };
}
