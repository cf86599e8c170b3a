// PruneVid.NET — kernel runtime.
using System.Reflection;

namespace PruneVid.Kernels;

/// <summary>
/// What the generated <c>KernelRegistry</c> knows about one <c>[Kernel]</c>: enough for a test to compare it with its
/// reference, for a benchmark to sweep its tunables, and for CI to compile every variant to PTX.
/// </summary>
/// <param name="Name">Registry name, <c>Family.Variant</c> (e.g. "RmsNorm.Rows").</param>
/// <param name="Family">The declaring class name (e.g. "RmsNorm").</param>
/// <param name="Method">The kernel method as written.</param>
/// <param name="Reference">The plain C# reference method.</param>
/// <param name="Benchmark">The benchmark hook, <c>static void X(KernelRuntime, KernelBenchmarkContext)</c>, if any.</param>
/// <param name="Parameters">Kernel parameters in order (index and tunables included).</param>
/// <param name="Tunables">Each tunable parameter and its declared values.</param>
/// <param name="GroupSize">Fixed group size of an explicitly grouped kernel; 0 when implicitly grouped or tunable.</param>
/// <param name="GroupSizeTunable">The tunable parameter that is the group size, if any.</param>
/// <param name="Variants">One compiled entry point per combination of tunable values (just the kernel without tunables).</param>
public sealed record KernelInfo(
    string Name,
    string Family,
    MethodInfo Method,
    MethodInfo Reference,
    MethodInfo? Benchmark,
    IReadOnlyList<KernelParameterInfo> Parameters,
    IReadOnlyDictionary<string, int[]> Tunables,
    int GroupSize,
    string? GroupSizeTunable,
    IReadOnlyList<KernelVariant> Variants)
{
    /// <summary>True when the kernel takes an Index1D/2D/3D and is launched over an extent.</summary>
    public bool IsImplicitlyGrouped => GroupSize == 0 && GroupSizeTunable is null;

    /// <summary>The static method <paramref name="name"/> of <paramref name="type"/> (public or not). Used by the registry.</summary>
    public static MethodInfo FindMethod(Type type, string name)
    {
        ArgumentNullException.ThrowIfNull(type);
        return type.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic).FirstOrDefault(m => m.Name == name)
               ?? throw new MissingMethodException(type.FullName, name);
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>A kernel parameter: its name and CLR type.</summary>
public sealed record KernelParameterInfo(string Name, Type Type);

/// <summary>
/// One compile-time variant of a kernel: the tunable values fixed in it and the entry point ILGPU compiles (a
/// generated wrapper that passes the values as constants; the kernel itself when it has no tunables).
/// </summary>
/// <param name="Key">Cache key, e.g. "RmsNorm.Rows[groupSize=64]".</param>
/// <param name="Values">Tunable name → value.</param>
/// <param name="EntryPoint">The method to compile.</param>
public sealed record KernelVariant(string Key, IReadOnlyDictionary<string, int> Values, MethodInfo EntryPoint)
{
    /// <inheritdoc />
    public override string ToString() => Key;
}
