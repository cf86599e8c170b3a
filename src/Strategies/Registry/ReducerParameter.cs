// PruneVid.NET — reducer registry.
using System.Globalization;

namespace PruneVid.Strategies;

/// <summary>Value types a reducer parameter may have.</summary>
public enum ReducerParameterKind
{
    /// <summary><c>true</c>/<c>false</c> (also 1/0, yes/no, on/off).</summary>
    Boolean,
    /// <summary>32-bit integer.</summary>
    Int32,
    /// <summary>64-bit integer.</summary>
    Int64,
    /// <summary>Single-precision number.</summary>
    Single,
    /// <summary>Double-precision number.</summary>
    Double,
    /// <summary>Free text.</summary>
    String,
}

/// <summary>Description of one reducer parameter, as the generator read it from <see cref="ParameterAttribute"/>.</summary>
/// <param name="Name">snake_case name used in parameter strings.</param>
/// <param name="Kind">Value type.</param>
/// <param name="Default">Default value (of the CLR type of <paramref name="Kind"/>).</param>
/// <param name="Min">Smallest accepted value (NaN: unbounded).</param>
/// <param name="Max">Largest accepted value (NaN: unbounded).</param>
/// <param name="Description">One line of help.</param>
public sealed record ReducerParameter(string Name, ReducerParameterKind Kind, object Default, double Min, double Max, string? Description)
{
    /// <summary>Type name as users see it.</summary>
    public string TypeName => Kind switch
    {
        ReducerParameterKind.Boolean => "bool",
        ReducerParameterKind.Int32 => "int",
        ReducerParameterKind.Int64 => "long",
        ReducerParameterKind.Single => "float",
        ReducerParameterKind.Double => "double",
        _ => "string",
    };

    /// <summary>Range as text ("0.6..0.9", "≥ 3", or empty).</summary>
    public string RangeText => (double.IsNaN(Min), double.IsNaN(Max)) switch
    {
        (false, false) => $"{Format(Min)}..{Format(Max)}",
        (false, true) => $">= {Format(Min)}",
        (true, false) => $"<= {Format(Max)}",
        _ => "",
    };

    /// <summary>"name (type, default d, range r)" for error messages and listings.</summary>
    public override string ToString()
    {
        string range = RangeText;
        return $"{Name} ({TypeName}, default {FormatValue(Default)}{(range.Length > 0 ? ", range " + range : "")})";
    }

    /// <summary>Parses and range-checks <paramref name="text"/> for this parameter; the error names the parameter.</summary>
    public object Parse(string reducer, string text)
    {
        string value = text.Trim();
        object? parsed = Kind switch
        {
            ReducerParameterKind.Boolean => ParseBool(value),
            ReducerParameterKind.Int32 => int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int i) ? i : null,
            ReducerParameterKind.Int64 => long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long l) ? l : null,
            ReducerParameterKind.Single => float.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out float f) && float.IsFinite(f) ? f : null,
            ReducerParameterKind.Double => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d) ? d : null,
            _ => text,
        };
        if (parsed is null)
            throw new TokenReducerConfigurationException($"{reducer}: parameter '{Name}' expects a {TypeName}, got '{text}'");
        if (Kind is not (ReducerParameterKind.Boolean or ReducerParameterKind.String))
        {
            double number = Convert.ToDouble(parsed, CultureInfo.InvariantCulture);
            if ((!double.IsNaN(Min) && number < Min) || (!double.IsNaN(Max) && number > Max))
                throw new TokenReducerConfigurationException($"{reducer}: parameter '{Name}' = {value} is out of range {RangeText}");
        }
        return parsed;
    }

    /// <summary>Invariant-culture text of a parameter value.</summary>
    public static string FormatValue(object value) => value switch
    {
        bool b => b ? "true" : "false",
        string s => s,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static object? ParseBool(string value) => value.ToLowerInvariant() switch
    {
        "true" or "1" or "yes" or "on" => true,
        "false" or "0" or "no" or "off" => false,
        _ => null,
    };
}
