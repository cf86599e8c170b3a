// PruneVid.NET — reducer registry.
namespace PruneVid.Strategies;

/// <summary>
/// Emitted by the generator on every assembly that declares reducers, so <see cref="TokenReducerRegistry"/> can find
/// such assemblies among the loaded and referenced ones and run their registration (a module initializer).
/// </summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false)]
public sealed class ContainsTokenReducersAttribute : Attribute;
