// PruneVid.NET — managed bytes a call allocates on the calling thread, for the Cpu backend's no-per-call-buffer tests.
namespace PruneVid.Kernels.Tests.Cpu;

internal static class AllocationBudget
{
    /// <summary>
    /// The fewest managed bytes per call over a few batches of four calls. A buffer allocated on every call shows in
    /// every batch; a one-off (tiered recompilation, the thread pool adding a thread on a busy machine) does not.
    /// </summary>
    public static long BytesPerCall(Action call)
    {
        long fewest = long.MaxValue;
        for (int batch = 0; batch < 3; batch++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 4; i++) call();
            fewest = Math.Min(fewest, (GC.GetAllocatedBytesForCurrentThread() - before) / 4);
        }
        return fewest;
    }
}
