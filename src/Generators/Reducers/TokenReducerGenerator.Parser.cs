// PruneVid.NET — reducer registry generator.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using PruneVid.Generators.Common;
using Microsoft.CodeAnalysis.CSharp;

namespace PruneVid.Generators.Reducers;

public sealed partial class TokenReducerGenerator
{
    /// <summary>Turns one attributed class into a symbol-free <see cref="ParseResult"/>.</summary>
    internal static class Parser
    {
        private const string ReducerInterface = "PruneVid.Strategies.ITokenReducer";
        private const string OptionsInterface = "PruneVid.Strategies.ITokenReducer`1";
        private const string ParameterAttribute = "PruneVid.Strategies.ParameterAttribute";
        private const string PresetAttribute = "PruneVid.Strategies.TokenReducerPresetAttribute";
        private const string BudgetAttribute = "PruneVid.Strategies.BudgetKnobAttribute";
        private static readonly string[] s_budgetKinds = ["KeptShare", "DroppedShare", "Increasing", "Decreasing"];

        private static readonly SymbolDisplayFormat s_fullName = SymbolDisplayFormat.FullyQualifiedFormat;

        public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            var type = (INamedTypeSymbol)context.TargetSymbol;
            var location = LocationInfo.From(type.Locations.FirstOrDefault());
            var diagnostics = new List<DiagnosticInfo>();
            void Report(DiagnosticDescriptor d, LocationInfo? at, params string[] args) =>
                diagnostics.Add(new DiagnosticInfo(d, at, new EquatableArray<string>(args)));

            AttributeData attribute = context.Attributes[0];
            string name = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string ?? "" : "";
            string? description = Named(attribute, "Description") as string;
            LocationInfo? attributeLocation = LocationInfo.From(attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation()) ?? location;
            string display = type.ToDisplayString();

            if (!IsValidName(name)) Report(DiagnosticDescriptors.InvalidName, attributeLocation, name, "token reducer");

            INamedTypeSymbol? reducerInterface = context.SemanticModel.Compilation.GetTypeByMetadataName(ReducerInterface);
            bool implements = reducerInterface is not null && type.AllInterfaces.Contains(reducerInterface, SymbolEqualityComparer.Default);
            if (!implements || type.IsAbstract || type.IsGenericType || type.IsStatic)
                Report(DiagnosticDescriptors.NotAReducer, location, display);
            if (!IsPubliclyVisible(type)) Report(DiagnosticDescriptors.NotPublic, location, display);
            if (!type.IsAbstract && !HasPublicParameterlessConstructor(type))
                Report(DiagnosticDescriptors.MissingParameterlessConstructor, location, display);

            INamedTypeSymbol? options = type.AllInterfaces
                .FirstOrDefault(i => i.IsGenericType && i.ConstructedFrom.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) == "global::PruneVid.Strategies.ITokenReducer<TOptions>")
                ?.TypeArguments[0] as INamedTypeSymbol;
            var parameters = new List<ParameterSpec>();
            BudgetSpec? budget = null;
            if (options is not null)
            {
                if (!HasPublicParameterlessConstructor(options))
                    Report(DiagnosticDescriptors.MissingParameterlessConstructor, location, options.ToDisplayString());
                ParseParameters(options, parameters, Report, cancellationToken);
                budget = ParseBudget(options, parameters, Report);
            }

            var presets = new List<PresetSpec>();
            foreach (AttributeData presetAttribute in type.GetAttributes())
            {
                if (presetAttribute.AttributeClass?.ToDisplayString() != PresetAttribute) continue;
                LocationInfo? at = LocationInfo.From(presetAttribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation());
                string presetName = presetAttribute.ConstructorArguments.Length == 2 ? presetAttribute.ConstructorArguments[0].Value as string ?? "" : "";
                string values = presetAttribute.ConstructorArguments.Length == 2 ? presetAttribute.ConstructorArguments[1].Value as string ?? "" : "";
                if (!IsValidName(presetName)) Report(DiagnosticDescriptors.InvalidName, at, presetName, "preset");
                else if (presets.Any(p => p.Name == presetName)) Report(DiagnosticDescriptors.InvalidPreset, at, presetName, "declared twice");
                else if (CheckPreset(values, parameters) is { } problem) Report(DiagnosticDescriptors.InvalidPreset, at, presetName, problem);
                presets.Add(new PresetSpec(presetName, values, Named(presetAttribute, "Description") as string));
            }

            ReducerSpec? spec = diagnostics.Count > 0 ? null : new ReducerSpec(name, description, type.ToDisplayString(s_fullName),
                options?.ToDisplayString(s_fullName), new EquatableArray<ParameterSpec>(parameters), new EquatableArray<PresetSpec>(presets), attributeLocation, budget);
            return new ParseResult(spec, new EquatableArray<DiagnosticInfo>(diagnostics));
        }

        private static void ParseParameters(INamedTypeSymbol options, List<ParameterSpec> parameters,
            Action<DiagnosticDescriptor, LocationInfo?, string[]> report, CancellationToken cancellationToken)
        {
            // Base-class parameters first, each class in declaration order.
            var chain = new Stack<INamedTypeSymbol>();
            for (INamedTypeSymbol? t = options; t is not null && t.SpecialType != SpecialType.System_Object; t = t.BaseType) chain.Push(t);
            foreach (INamedTypeSymbol owner in chain)
            foreach (IPropertySymbol property in owner.GetMembers().OfType<IPropertySymbol>())
            {
                cancellationToken.ThrowIfCancellationRequested();
                AttributeData? attribute = property.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == ParameterAttribute);
                if (attribute is null) continue;
                LocationInfo? at = LocationInfo.From(property.Locations.FirstOrDefault());
                string propertyName = property.ToDisplayString();
                string name = Named(attribute, "Name") as string ?? ToSnakeCase(property.Name);
                if (!IsValidName(name)) { report(DiagnosticDescriptors.InvalidName, at, [name, "parameter"]); continue; }
                if (parameters.Any(p => p.Name == name)) { report(DiagnosticDescriptors.DuplicateParameter, at, [name, options.ToDisplayString()]); continue; }
                if (property.IsStatic || property.DeclaredAccessibility != Accessibility.Public || property.SetMethod is null
                    || property.SetMethod.DeclaredAccessibility != Accessibility.Public)
                {
                    report(DiagnosticDescriptors.ParameterNotSettable, at, [propertyName]);
                    continue;
                }
                if (!TryKind(property.Type, out string kind, out string keyword))
                {
                    report(DiagnosticDescriptors.UnsupportedParameterType, at, [propertyName, property.Type.ToDisplayString()]);
                    continue;
                }
                double min = Named(attribute, "Min") is double mn ? mn : double.NaN;
                double max = Named(attribute, "Max") is double mx ? mx : double.NaN;
                object? value = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value : null;
                string? literal = DefaultLiteral(kind, value, min, max);
                if (literal is null)
                {
                    report(DiagnosticDescriptors.InvalidDefault, at, [value is null ? "null" : Convert.ToString(value, CultureInfo.InvariantCulture) ?? "", name, keyword]);
                    continue;
                }
                parameters.Add(new ParameterSpec(name, property.Name, kind, keyword, literal, min, max, Named(attribute, "Description") as string));
            }
        }

        /// <summary>
        /// The one [BudgetKnob] property, checked: it is a [Parameter] of type double or float; a share knob's range lies
        /// in [0, 1]; a monotone knob has a finite search range (Low/High or the parameter's Min/Max) with Low &lt; High.
        /// </summary>
        private static BudgetSpec? ParseBudget(INamedTypeSymbol options, List<ParameterSpec> parameters,
            Action<DiagnosticDescriptor, LocationInfo?, string[]> report)
        {
            BudgetSpec? found = null;
            for (INamedTypeSymbol? t = options; t is not null && t.SpecialType != SpecialType.System_Object; t = t.BaseType)
            foreach (IPropertySymbol property in t.GetMembers().OfType<IPropertySymbol>())
            {
                AttributeData? attribute = property.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == BudgetAttribute);
                if (attribute is null) continue;
                LocationInfo? at = LocationInfo.From(property.Locations.FirstOrDefault());
                string label = property.ToDisplayString();
                void Fail(string problem) => report(DiagnosticDescriptors.InvalidBudgetKnob, at, [label, problem]);
                if (found is not null) { Fail($"'{options.ToDisplayString()}' already declares '{found.Parameter}' as its budget knob; a reducer has at most one"); continue; }
                ParameterSpec? parameter = parameters.FirstOrDefault(p => p.PropertyName == property.Name);
                if (parameter is null) { Fail("the property must also carry [Parameter]"); continue; }
                if (parameter.Kind is not ("Double" or "Single")) { Fail($"a budget knob must be a double or float parameter, not {parameter.TypeKeyword}"); continue; }
                int kindValue = attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is int k ? k : -1;
                if (kindValue < 0 || kindValue >= s_budgetKinds.Length) { Fail("unknown BudgetKnobKind"); continue; }
                string kind = s_budgetKinds[kindValue];
                double low = Named(attribute, "Low") is double l ? l : parameter.Min;
                double high = Named(attribute, "High") is double h ? h : parameter.Max;
                bool share = kind is "KeptShare" or "DroppedShare";
                if (share)
                {
                    low = double.IsNaN(low) ? 0 : low;
                    high = double.IsNaN(high) ? 1 : high;
                    if (low < 0 || high > 1 || low >= high) { Fail($"a share knob needs a range inside [0, 1] with Low < High, got {Text(low)}..{Text(high)}"); continue; }
                }
                else if (double.IsNaN(low) || double.IsNaN(high) || double.IsInfinity(low) || double.IsInfinity(high) || low >= high)
                {
                    Fail($"a monotone knob is searched by bisection and needs a finite range Low < High (set Low/High or the parameter's Min/Max), got {Text(low)}..{Text(high)}");
                    continue;
                }
                found = new BudgetSpec(parameter.Name, kind, low, high);
            }
            return found;
        }

        private static string Text(double value) => double.IsNaN(value) ? "unset" : value.ToString("R", CultureInfo.InvariantCulture);

        /// <summary>A C# literal of the default converted to the parameter's type, or null when it does not fit.</summary>
        private static string? DefaultLiteral(string kind, object? value, double min, double max)
        {
            if (value is null) return null;
            bool isInteger = value is int or long or short or byte or sbyte or ushort or uint;
            bool isNumber = isInteger || value is double or float;
            if (isNumber)
            {
                double number = Convert.ToDouble(value, CultureInfo.InvariantCulture);
                if ((!double.IsNaN(min) && number < min) || (!double.IsNaN(max) && number > max)) return null;
            }
            return kind switch
            {
                "Boolean" => value is bool b ? (b ? "true" : "false") : null,
                "String" => value is string s ? SymbolDisplay.FormatLiteral(s, quote: true) : null,
                "Int32" => isInteger && Convert.ToInt64(value, CultureInfo.InvariantCulture) is >= int.MinValue and <= int.MaxValue
                    ? Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture) : null,
                "Int64" => isInteger ? Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture) + "L" : null,
                "Single" => isNumber ? Convert.ToSingle(value, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture) + "f" : null,
                "Double" => isNumber ? Convert.ToDouble(value, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture) + "d" : null,
                _ => null,
            };
        }

        /// <summary>Compile-time check of a preset string: the problem, or null.</summary>
        private static string? CheckPreset(string values, List<ParameterSpec> parameters)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (string raw in values.Split(','))
            {
                string item = raw.Trim();
                if (item.Length == 0) continue;
                int eq = item.IndexOf('=');
                if (eq <= 0) return $"'{item}' is not of the form name=value";
                string key = item.Substring(0, eq).Trim(), text = item.Substring(eq + 1).Trim();
                ParameterSpec? p = parameters.FirstOrDefault(x => x.Name == key);
                if (p is null) return $"unknown parameter '{key}' (valid: {string.Join(", ", parameters.Select(x => x.Name))})";
                if (!seen.Add(key)) return $"parameter '{key}' is given twice";
                bool ok = p.Kind switch
                {
                    "Boolean" => text is "true" or "false" or "1" or "0" or "yes" or "no" or "on" or "off",
                    "String" => true,
                    "Int32" or "Int64" => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long l) && InRange(l, p),
                    _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && InRange(d, p),
                };
                if (!ok) return $"value '{text}' does not fit parameter '{key}' ({p.TypeKeyword}{Range(p)})";
            }
            return null;
        }

        private static bool InRange(double value, ParameterSpec p) => (double.IsNaN(p.Min) || value >= p.Min) && (double.IsNaN(p.Max) || value <= p.Max);

        private static string Range(ParameterSpec p) =>
            double.IsNaN(p.Min) && double.IsNaN(p.Max) ? "" : $", range {p.Min.ToString(CultureInfo.InvariantCulture)}..{p.Max.ToString(CultureInfo.InvariantCulture)}";

        private static bool TryKind(ITypeSymbol type, out string kind, out string keyword)
        {
            (kind, keyword) = type.SpecialType switch
            {
                SpecialType.System_Boolean => ("Boolean", "bool"),
                SpecialType.System_Int32 => ("Int32", "int"),
                SpecialType.System_Int64 => ("Int64", "long"),
                SpecialType.System_Single => ("Single", "float"),
                SpecialType.System_Double => ("Double", "double"),
                SpecialType.System_String => ("String", "string"),
                _ => ("", ""),
            };
            return kind.Length > 0;
        }

        private static object? Named(AttributeData attribute, string name)
        {
            foreach (KeyValuePair<string, TypedConstant> pair in attribute.NamedArguments)
                if (pair.Key == name) return pair.Value.Value;
            return null;
        }

        private static bool IsPubliclyVisible(INamedTypeSymbol type)
        {
            for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
                if (t.DeclaredAccessibility != Accessibility.Public) return false;
            return true;
        }

        private static bool HasPublicParameterlessConstructor(INamedTypeSymbol type) =>
            type.InstanceConstructors.Any(c => c.Parameters.Length == 0 && c.DeclaredAccessibility == Accessibility.Public);

        /// <summary>Registry names: lower-case letters, digits, '-', '_', '.', starting with a letter or digit.</summary>
        internal static bool IsValidName(string name)
        {
            if (name.Length == 0 || !(char.IsLower(name[0]) || char.IsDigit(name[0]))) return false;
            foreach (char c in name)
                if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c is '-' or '_' or '.')) return false;
            return true;
        }

        /// <summary><c>ClusterRatio</c> → <c>cluster_ratio</c>, <c>DpcKnnK</c> → <c>dpc_knn_k</c>, <c>HTTPPort</c> → <c>http_port</c>.</summary>
        internal static string ToSnakeCase(string name)
        {
            var sb = new StringBuilder(name.Length + 8);
            for (int i = 0; i < name.Length; i++)
            {
                char c = name[i];
                if (char.IsUpper(c) && i > 0)
                {
                    char prev = name[i - 1];
                    bool nextLower = i + 1 < name.Length && char.IsLower(name[i + 1]);
                    if (char.IsLower(prev) || char.IsDigit(prev) || (char.IsUpper(prev) && nextLower)) sb.Append('_');
                }
                sb.Append(char.ToLowerInvariant(c));
            }
            return sb.ToString();
        }
    }
}
