// PruneVid.NET — kernel tests.
using Xunit.Abstractions;
using Xunit.Sdk;

namespace PruneVid.Kernels.Tests.Accelerators;

/// <summary>
/// Marks a test class that needs a CUDA GPU. Its <see cref="AcceleratorFactAttribute"/> and
/// <see cref="AcceleratorTheoryAttribute"/> tests are not discovered at all where no CUDA device exists, so CPU-only
/// runs neither fail nor report skips for them.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class RequiresCudaAttribute : Attribute;

/// <summary>A fact that runs on every accelerator whose class can run here (see <see cref="RequiresCudaAttribute"/>).</summary>
[XunitTestCaseDiscoverer("PruneVid.Kernels.Tests.Accelerators.AcceleratorFactDiscoverer", "Kernels.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class AcceleratorFactAttribute : FactAttribute;

/// <summary>A theory that runs on every accelerator whose class can run here (see <see cref="RequiresCudaAttribute"/>).</summary>
[XunitTestCaseDiscoverer("PruneVid.Kernels.Tests.Accelerators.AcceleratorTheoryDiscoverer", "Kernels.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class AcceleratorTheoryAttribute : TheoryAttribute;

/// <summary>Discovers <see cref="AcceleratorFactAttribute"/> tests, dropping those of CUDA classes without a GPU.</summary>
public sealed class AcceleratorFactDiscoverer(IMessageSink sink) : FactDiscoverer(sink)
{
    public override IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
        => CudaGate.Excludes(testMethod) ? [] : base.Discover(discoveryOptions, testMethod, factAttribute);
}

/// <summary>Discovers <see cref="AcceleratorTheoryAttribute"/> tests, dropping those of CUDA classes without a GPU.</summary>
public sealed class AcceleratorTheoryDiscoverer(IMessageSink sink) : TheoryDiscoverer(sink)
{
    public override IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo theoryAttribute)
        => CudaGate.Excludes(testMethod) ? [] : base.Discover(discoveryOptions, testMethod, theoryAttribute);
}

internal static class CudaGate
{
    private static readonly Lazy<bool> s_available = new(() =>
    {
        using KernelRuntime? cuda = KernelRuntime.TryCreateCuda();
        return cuda is not null;
    });

    public static bool Excludes(ITestMethod method)
        => method.TestClass.Class.GetCustomAttributes(typeof(RequiresCudaAttribute)).Any() && !s_available.Value;
}
