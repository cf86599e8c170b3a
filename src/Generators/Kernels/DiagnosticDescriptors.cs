// PruneVid.NET — source generators.
using Microsoft.CodeAnalysis;

namespace PruneVid.Generators.Kernels;

/// <summary>Every diagnostic of the kernel generator, with stable ids (PVK0001…; see AnalyzerReleases.*.md).</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "PruneVid.Kernels";

    public static readonly DiagnosticDescriptor KernelNotStatic = new(
        "PVK0001", "Kernel method must be static",
        "Kernel method '{0}' must be static: ILGPU compiles static methods only",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor FamilyNotStaticPartial = new(
        "PVK0002", "Kernel family must be a top-level static partial class",
        "Class '{0}' holds kernel '{1}' and must be a top-level 'static partial class' so its launchers can be generated",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UnsupportedParameterType = new(
        "PVK0003", "Unsupported kernel parameter type",
        "Parameter '{0}' of kernel '{1}' has unsupported type '{2}': use Index1D/2D/3D (first, implicitly grouped only), ArrayView/ArrayView1D/ArrayView2D of an unmanaged type, an unmanaged scalar or struct, or SpecializedValue<T>, passed by value",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor TooManyParameters = new(
        "PVK0004", "Too many kernel parameters",
        "Kernel '{0}' has {1} parameters; ILGPU launchers take at most 14 (index included): pack some into a struct",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor MissingReference = new(
        "PVK0005", "Kernel has no reference",
        "Kernel '{0}' must name its plain C# reference method: [Kernel(Reference = nameof(...))]",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UnknownReference = new(
        "PVK0006", "Kernel reference not found",
        "Kernel '{0}' names reference '{1}', but class '{2}' has no static method of that name",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InvalidTunable = new(
        "PVK0007", "Invalid tunable parameter",
        "Parameter '{0}' of kernel '{1}': {2}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor GroupingMismatch = new(
        "PVK0008", "Kernel grouping does not match its parameters",
        "Kernel '{0}': {1}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InvalidBenchmark = new(
        "PVK0009", "Kernel benchmark not found",
        "Kernel '{0}' names benchmark '{1}', but class '{2}' has no 'static void {1}(KernelRuntime, KernelBenchmarkContext)'",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
}
