// PruneVid.NET — strategy specs: named chains.
namespace PruneVid.Strategies;

/// <summary>A name that stands for a chain (e.g. <c>prunevid</c> = Stage 1 then Stage 2 with the paper's setting).</summary>
/// <param name="Name">The name used as a stage of a spec.</param>
/// <param name="Spec">The chain it expands to.</param>
/// <param name="Description">One line of help.</param>
public sealed record StrategyAlias(string Name, string Spec, string Description);

/// <summary>The named chains <see cref="StrategySpec.Parse"/> expands.</summary>
public static class StrategyAliases
{
    /// <summary>All named chains, sorted by name.</summary>
    public static IReadOnlyList<StrategyAlias> All { get; } =
    [
        new("prunevid",
            "prunevid-stage1(tau=0.8,cluster_ratio=0.5,temporal_segment_ratio=0.25)+prunevid-stage2(alpha=0.4,selected_layer=10)",
            "PruneVid (Stage 1 + Stage 2) with the paper's setting: tau 0.8, cluster_ratio 0.5, temporal_segment_ratio 0.25, alpha 0.4, selected layer 10 (clamped to the model)"),
    ];

    /// <summary>The named chain called <paramref name="name"/>, or null.</summary>
    public static StrategyAlias? Find(string name) => All.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.Ordinal));
}
