// PruneVid.NET — model tests.
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;
using Xunit;
using Xunit.Abstractions;

namespace PruneVid.Model.Tests.Vision;

/// <summary>The vision parity cases on the Cpu backend (the kernel references).</summary>
public sealed class VisionParityCpuTests(TinyVisionReference reference, ITestOutputHelper output)
    : VisionParityTests(reference, output), IClassFixture<TinyVisionReference>
{
    protected override ComputeBackend CreateBackend() => new CpuBackend();
}
