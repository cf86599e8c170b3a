// PruneVid.NET — pipeline.
namespace PruneVid.Runtime.Pipeline;

/// <summary>Where the model runs.</summary>
public enum DeviceKind
{
    /// <summary>CUDA when a GPU is present, otherwise the Cpu backend.</summary>
    Auto,
    /// <summary>The Cpu backend: SIMD fast paths for the hot ops, the plain C# references for the rest.</summary>
    Cpu,
    /// <summary>The ILGPU kernels on a CUDA GPU (fails clearly when there is none).</summary>
    Cuda,
    /// <summary>The ILGPU kernels on ILGPU's CPU accelerator: slow, for checking kernels without a GPU.</summary>
    IlgpuCpu,
}
