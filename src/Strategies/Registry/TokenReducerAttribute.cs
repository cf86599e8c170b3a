// PruneVid.NET — reducer registry.
namespace PruneVid.Strategies;

/// <summary>
/// Registers a reducer under <see cref="Name"/>. The source generator finds every class carrying it (in any assembly
/// that references the generator) and adds it to <see cref="TokenReducerRegistry"/>; no registration code is needed.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class TokenReducerAttribute(string name) : Attribute
{
    /// <summary>Registry name: lower-case letters, digits, '-', '_' and '.' (e.g. <c>prunevid-stage1</c>).</summary>
    public string Name { get; } = name;

    /// <summary>One line for <c>prunevid strategies</c>.</summary>
    public string? Description { get; set; }
}
