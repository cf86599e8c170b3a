// PruneVid.NET — reducer registry generator.
using PruneVid.Generators.Common;

namespace PruneVid.Generators.Reducers;

/// <summary>One [TokenReducer] class as the emitter needs it: strings and numbers only, no symbols.</summary>
internal sealed record ReducerSpec(
    string Name,
    string? Description,
    string TypeName,
    string? OptionsTypeName,
    EquatableArray<ParameterSpec> Parameters,
    EquatableArray<PresetSpec> Presets,
    LocationInfo? Location,
    BudgetSpec? Budget = null);

/// <summary>The [BudgetKnob] parameter. <see cref="Kind"/> names a BudgetKnobKind member.</summary>
internal sealed record BudgetSpec(string Parameter, string Kind, double Low, double High);

/// <summary>One [Parameter] property. <see cref="Kind"/> names a ReducerParameterKind member.</summary>
internal sealed record ParameterSpec(
    string Name,
    string PropertyName,
    string Kind,
    string TypeKeyword,
    string DefaultLiteral,
    double Min,
    double Max,
    string? Description);

/// <summary>One [TokenReducerPreset].</summary>
internal sealed record PresetSpec(string Name, string Parameters, string? Description);

/// <summary>Result of parsing one class: the spec (null when it has errors) and its diagnostics.</summary>
internal sealed record ParseResult(ReducerSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);
