// PruneVid.NET — reducer registry.
namespace PruneVid.Strategies;

/// <summary>
/// A named parameter set of a reducer, selectable as <c>reducer:preset</c> (e.g. <c>prunevid-stage1:aggressive</c>).
/// Parameters given explicitly with the preset override its values.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class TokenReducerPresetAttribute(string name, string parameters) : Attribute
{
    /// <summary>Preset name (same character rules as reducer names).</summary>
    public string Name { get; } = name;

    /// <summary>Parameters in the <c>name=value,name=value</c> form.</summary>
    public string Parameters { get; } = parameters;

    /// <summary>One line describing the preset.</summary>
    public string? Description { get; set; }
}
