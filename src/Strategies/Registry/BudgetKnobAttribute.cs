// PruneVid.NET — reducer registry: token budgets.
namespace PruneVid.Strategies;

/// <summary>How a reducer's budget knob relates to the share of visual tokens it keeps.</summary>
public enum BudgetKnobKind
{
    /// <summary>The knob is the kept share: a budget R sets it to R (e.g. a <c>retention_ratio</c>).</summary>
    KeptShare,
    /// <summary>The knob is the dropped share: a budget R sets it to 1 − R (e.g. FastV's <c>ratio</c>, EVS's <c>pruning_rate</c>).</summary>
    DroppedShare,
    /// <summary>More knob keeps more tokens (never fewer): the budget is met by bisection on the knob, per video.</summary>
    Increasing,
    /// <summary>More knob keeps fewer tokens (never more): the budget is met by bisection on the knob, per video.</summary>
    Decreasing,
}

/// <summary>
/// Marks the parameter a token budget (<c>retention=R</c>) drives. At most one per reducer; the property must also carry
/// <see cref="ParameterAttribute"/> and be a <c>double</c> or <c>float</c>. Share knobs are set exactly; monotone knobs
/// are searched by bisection over [<see cref="Low"/>, <see cref="High"/>] (default: the parameter's Min..Max), which may
/// reach past the parameter's listed range. The source generator checks all of this (diagnostic PVR0011); a reducer
/// without a knob is refused for budgets with a message saying so. See docs/writing-a-reducer.md.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class BudgetKnobAttribute(BudgetKnobKind kind) : Attribute
{
    /// <summary>How the knob moves retention.</summary>
    public BudgetKnobKind Kind { get; } = kind;

    /// <summary>Lower end of the bisection range (NaN: the parameter's Min).</summary>
    public double Low { get; set; } = double.NaN;

    /// <summary>Upper end of the bisection range (NaN: the parameter's Max).</summary>
    public double High { get; set; } = double.NaN;
}

/// <summary>A reducer's budget knob as the registry holds it (emitted by the source generator).</summary>
/// <param name="Parameter">The parameter's registry name.</param>
/// <param name="Kind">How it moves retention.</param>
/// <param name="Low">Lower end of the search range.</param>
/// <param name="High">Upper end of the search range.</param>
public sealed record ReducerBudgetKnob(string Parameter, BudgetKnobKind Kind, double Low, double High)
{
    /// <summary>True for the kinds met by bisection.</summary>
    public bool IsMonotone => Kind is BudgetKnobKind.Increasing or BudgetKnobKind.Decreasing;

    /// <summary>The knob value for a kept share <paramref name="share"/> (share kinds only).</summary>
    public double ForShare(double share) => Kind switch
    {
        BudgetKnobKind.KeptShare => Math.Clamp(share, Low, High),
        BudgetKnobKind.DroppedShare => Math.Clamp(1.0 - share, Low, High),
        _ => throw new InvalidOperationException($"knob '{Parameter}' is {Kind}: it is met by bisection, not set from a share"),
    };
}

/// <summary>
/// An in-model reducer that can say how many video tokens it will keep without running the model (its count depends
/// only on the tokens it receives and their segments, as Stage 2's floor(alpha·n) per group and FastV's
/// round(N·(1 − ratio)) do). A budget bisects a monotone knob of an in-model reducer with this.
/// </summary>
public interface IPredictsKeptTokens
{
    /// <summary>Video tokens this reducer keeps of <paramref name="tokens"/> in <paramref name="frames"/> steps with <paramref name="segments"/> (empty: none recorded).</summary>
    int KeptTokens(int tokens, int frames, IReadOnlyList<TokenSegment> segments);
}
