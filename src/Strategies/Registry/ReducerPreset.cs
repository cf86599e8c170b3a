// PruneVid.NET — reducer registry.
namespace PruneVid.Strategies;

/// <summary>A named parameter set of a reducer (<c>reducer:preset</c>).</summary>
/// <param name="Name">Preset name.</param>
/// <param name="Parameters">Parameters in the <c>name=value,…</c> form.</param>
/// <param name="Description">One line of help.</param>
public sealed record ReducerPreset(string Name, string Parameters, string? Description);
