// PruneVid.NET — kernel DSL.
namespace PruneVid.Kernels.Dsl;

/// <summary>
/// Marks a static method of a <c>static partial</c> class (the kernel family) as an ILGPU kernel. The source generator
/// emits its typed launcher <c>Launch&lt;Variant&gt;</c> (for a method named <c>&lt;Variant&gt;Kernel</c>), one
/// compile-time specialised entry point per combination of <see cref="TunableAttribute"/> values, and an entry in
/// <c>PruneVid.Kernels.KernelRegistry</c>.
/// </summary>
/// <remarks>
/// With <see cref="GroupSize"/> = 0 the kernel is implicitly grouped: its first parameter is
/// <c>Index1D</c>/<c>Index2D</c>/<c>Index3D</c> and the launcher takes the extent. With a positive
/// <see cref="GroupSize"/> (or <see cref="GroupSizeTunable"/>) it is explicitly grouped: no index parameter, and the
/// launcher takes <c>int groups</c> (the grid size).
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class KernelAttribute : Attribute
{
    /// <summary>Name of the plain C# reference method in the same class (required; the oracle of every test).</summary>
    public string? Reference { get; set; }

    /// <summary>Threads per group of an explicitly grouped kernel; 0 (the default) means implicitly grouped.</summary>
    public int GroupSize { get; set; }

    /// <summary>
    /// Name of a <see cref="TunableAttribute"/> parameter whose value is the group size, making the kernel explicitly
    /// grouped with a group size a benchmark can sweep. Overrides <see cref="GroupSize"/>.
    /// </summary>
    public string? GroupSizeTunable { get; set; }

    /// <summary>Optional name of a <c>static void X(KernelRuntime runtime, KernelBenchmarkContext context)</c> in the same class.</summary>
    public string? Benchmark { get; set; }
}
