// PruneVid.NET — reducer registry.
namespace PruneVid.Strategies;

/// <summary>
/// Marks an options property as a reducer parameter. Its name is the property name in snake_case
/// (<c>ClusterRatio</c> → <c>cluster_ratio</c>) unless <see cref="Name"/> says otherwise. Supported property types:
/// bool, int, long, float, double, string.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class ParameterAttribute(object defaultValue) : Attribute
{
    /// <summary>The value used when the parameter is not given (also shown in listings).</summary>
    public object Default { get; } = defaultValue;

    /// <summary>Smallest accepted value for numbers (NaN: unbounded).</summary>
    public double Min { get; set; } = double.NaN;

    /// <summary>Largest accepted value for numbers (NaN: unbounded).</summary>
    public double Max { get; set; } = double.NaN;

    /// <summary>One line describing the parameter.</summary>
    public string? Description { get; set; }

    /// <summary>Overrides the snake_case name derived from the property.</summary>
    public string? Name { get; set; }
}
