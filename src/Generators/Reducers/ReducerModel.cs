// PruneVid.NET — reducer registry generator.
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace PruneVid.Generators.Reducers;

/// <summary>One [TokenReducer] class as the emitter needs it: strings and numbers only, no symbols.</summary>
internal sealed record ReducerSpec(
    string Name,
    string? Description,
    string TypeName,
    string? OptionsTypeName,
    EquatableArray<ParameterSpec> Parameters,
    EquatableArray<PresetSpec> Presets,
    LocationInfo Location);

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

/// <summary>A diagnostic without symbols or syntax trees (equatable, safe to cache).</summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo Location, EquatableArray<string> Arguments)
{
    public Diagnostic ToDiagnostic() =>
        Diagnostic.Create(DiagnosticDescriptors.ById(Id), Location.ToLocation(), messageArgs: System.Linq.Enumerable.ToArray<object>(Arguments));
}

/// <summary>A source location without the syntax tree it came from.</summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public static LocationInfo From(Location? location)
    {
        if (location is null || location.SourceTree is null) return new LocationInfo("", default, default);
        return new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
    }

    public Location ToLocation() => FilePath.Length == 0 && Span.IsEmpty ? Microsoft.CodeAnalysis.Location.None : Microsoft.CodeAnalysis.Location.Create(FilePath, Span, LineSpan);
}
