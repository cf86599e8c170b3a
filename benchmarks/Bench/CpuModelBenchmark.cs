// PruneVid.NET — placeholder replaced below.
namespace PruneVid.Bench;

internal static class CpuModelBenchmark
{
    public static void Run(PruneVid.Kernels.Cpu.CpuBackend cpu, string shape, int repeat, bool json, Action<string, double> record) { }
}
