// PruneVid.NET — ILGPU backend: group sizes for the explicitly grouped kernels.
namespace PruneVid.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <summary>
    /// The largest power of two ≤ <paramref name="wanted"/> that the accelerator allows per group, and at least 16
    /// (every tunable list starts there; ILGPU's CPU accelerator allows exactly 16).
    /// </summary>
    private int GroupSize(int wanted)
    {
        int limit = Math.Min(wanted, Accelerator.MaxNumThreadsPerGroup);
        int size = 16;
        while (size * 2 <= limit) size *= 2;
        return size;
    }
}
