// PruneVid.NET — kernel DSL.
namespace PruneVid.Kernels.Dsl;

/// <summary>
/// Declares the allowed values of a kernel parameter of type <c>ILGPU.SpecializedValue&lt;int&gt;</c>. The generator
/// emits one entry point per value, so the value is a compile-time constant in the compiled kernel; the launcher takes
/// a plain <c>int</c> and rejects values outside the list.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class TunableAttribute : Attribute
{
    /// <summary>Declares the values a benchmark may sweep.</summary>
    public TunableAttribute(params int[] values) => Values = values ?? [];

    /// <summary>The allowed values, in declaration order.</summary>
    public int[] Values { get; }
}
