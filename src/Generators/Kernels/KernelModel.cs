// PruneVid.NET — source generators.
using PruneVid.Generators.Common;

namespace PruneVid.Generators.Kernels;

/// <summary>How a kernel parameter reaches the launcher.</summary>
internal enum KernelParameterKind
{
    /// <summary>The Index1D/2D/3D of an implicitly grouped kernel (the launcher takes the extent).</summary>
    Index,
    /// <summary>An ArrayView: checked for validity before launch.</summary>
    View,
    /// <summary>An unmanaged scalar or struct, passed through.</summary>
    Value,
    /// <summary>A [Tunable] SpecializedValue&lt;int&gt;: a plain int in the launcher, a constant in the kernel.</summary>
    Tunable,
}

/// <summary>One kernel parameter, as plain values.</summary>
/// <param name="Name">Parameter name.</param>
/// <param name="Type">Fully qualified type (global::…), as written in the kernel.</param>
/// <param name="Kind">How the launcher handles it.</param>
/// <param name="TunableValues">Declared values of a tunable, empty otherwise.</param>
internal sealed record KernelParameterModel(string Name, string Type, KernelParameterKind Kind, EquatableArray<int> TunableValues);

/// <summary>Everything the emitter needs about one [Kernel] method; holds no Roslyn symbols so it caches.</summary>
/// <param name="Namespace">Namespace of the family class ("" for the global namespace).</param>
/// <param name="Family">The family class name (e.g. RmsNorm).</param>
/// <param name="Method">The kernel method name (e.g. RowsKernel).</param>
/// <param name="Variant">Launcher suffix: the method name without its Kernel suffix (e.g. Rows).</param>
/// <param name="Reference">Name of the reference method.</param>
/// <param name="Benchmark">Name of the benchmark hook, or null.</param>
/// <param name="GroupSize">Fixed group size of an explicitly grouped kernel; 0 when implicitly grouped or tunable.</param>
/// <param name="GroupSizeTunable">Name of the tunable that is the group size, or null.</param>
/// <param name="Parameters">All kernel parameters in order.</param>
internal sealed record KernelModel(
    string Namespace,
    string Family,
    string Method,
    string Variant,
    string Reference,
    string? Benchmark,
    int GroupSize,
    string? GroupSizeTunable,
    EquatableArray<KernelParameterModel> Parameters)
{
    /// <summary>Registry name, e.g. RmsNorm.Rows.</summary>
    public string Name => Variant.Length == 0 ? Family : Family + "." + Variant;

    /// <summary>True when the first parameter is an index and the launcher takes an extent.</summary>
    public bool IsImplicitlyGrouped => GroupSize == 0 && GroupSizeTunable is null;
}

/// <summary>The result of looking at one [Kernel] method: a model when it is usable, and its diagnostics.</summary>
internal sealed record KernelParseResult(KernelModel? Model, EquatableArray<DiagnosticInfo> Diagnostics);
