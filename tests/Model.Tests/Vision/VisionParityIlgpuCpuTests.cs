// PruneVid.NET — model tests.
using PruneVid.Compute;
using PruneVid.Kernels;
using PruneVid.Kernels.Ilgpu;
using Xunit;
using Xunit.Abstractions;

namespace PruneVid.Model.Tests.Vision;

/// <summary>
/// The vision parity cases through the ILGPU kernels, on ILGPU's CPU accelerator. That accelerator simulates GPU
/// threads and is slow, so the clip is cut to its first temporal step (a quarter of the work).
/// </summary>
public sealed class VisionParityIlgpuCpuTests(TinyVisionReference reference, ITestOutputHelper output)
    : VisionParityTests(reference, output), IClassFixture<TinyVisionReference>
{
    protected override ComputeBackend CreateBackend() => new IlgpuBackend(KernelRuntime.CreateCpu(), ownsRuntime: true);

    protected override int? TemporalSteps => 1;
}
