// PruneVid.NET — reducer registry generator.
using Microsoft.CodeAnalysis;

namespace PruneVid.Generators.Reducers;

/// <summary>The reducer generator's diagnostics; IDs are stable (see AnalyzerReleases.*.md).</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "PruneVid.TokenReducers";

    public static readonly DiagnosticDescriptor DuplicateName = new(
        "PVR0001", "Duplicate token reducer name",
        "Token reducer name '{0}' is already used by '{1}'",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor MissingParameterlessConstructor = new(
        "PVR0002", "Token reducer or options type needs a public parameterless constructor",
        "'{0}' must have a public parameterless constructor so the registry can create it",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NotPublic = new(
        "PVR0003", "Token reducer must be public",
        "Token reducer '{0}' must be public (and nested only in public types) so the registry can create it",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UnsupportedParameterType = new(
        "PVR0004", "Unsupported reducer parameter type",
        "Parameter property '{0}' has type '{1}'; supported types are bool, int, long, float, double and string",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NotAReducer = new(
        "PVR0005", "Token reducer must implement ITokenReducer",
        "'{0}' carries [TokenReducer] but is not a non-abstract, non-generic class implementing PruneVid.Strategies.ITokenReducer",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InvalidName = new(
        "PVR0006", "Invalid token reducer, preset or parameter name",
        "'{0}' is not a valid {1} name: use lower-case letters, digits, '-', '_' and '.', starting with a letter or digit",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InvalidDefault = new(
        "PVR0007", "Invalid reducer parameter default",
        "Default value {0} of parameter '{1}' does not fit type '{2}' or its range",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InvalidPreset = new(
        "PVR0008", "Invalid token reducer preset",
        "Preset '{0}': {1}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ParameterNotSettable = new(
        "PVR0009", "Reducer parameter is not settable",
        "Parameter property '{0}' must be a public instance property with a public set or init accessor",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InvalidBudgetKnob = new(
        "PVR0011", "Invalid token budget knob",
        "Budget knob '{0}': {1}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor DuplicateParameter = new(
        "PVR0010", "Duplicate reducer parameter name",
        "Parameter name '{0}' is used by more than one property of '{1}'",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
}
