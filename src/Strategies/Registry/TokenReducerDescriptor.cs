// PruneVid.NET — reducer registry.
namespace PruneVid.Strategies;

/// <summary>
/// Everything the registry knows about one reducer: name, help, parameters, presets and a factory. Instances are
/// emitted by the source generator; the parsing and validation of parameter strings lives here, once.
/// </summary>
public sealed class TokenReducerDescriptor
{
    private readonly Func<object[], ITokenReducer> _factory;

    /// <summary>Creates a descriptor (called by generated code).</summary>
    /// <param name="name">Registry name.</param>
    /// <param name="description">One line of help.</param>
    /// <param name="reducerType">The reducer class.</param>
    /// <param name="parameters">Parameters in declaration order.</param>
    /// <param name="presets">Named parameter sets.</param>
    /// <param name="factory">Builds a reducer from one typed value per parameter, in <paramref name="parameters"/> order.</param>
    /// <param name="budget">The parameter a token budget drives (<see cref="BudgetKnobAttribute"/>), or null.</param>
    public TokenReducerDescriptor(string name, string? description, Type reducerType, IReadOnlyList<ReducerParameter> parameters,
        IReadOnlyList<ReducerPreset> presets, Func<object[], ITokenReducer> factory, ReducerBudgetKnob? budget = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        Description = description ?? "";
        ReducerType = reducerType ?? throw new ArgumentNullException(nameof(reducerType));
        Parameters = parameters ?? [];
        Presets = presets ?? [];
        _factory = factory ?? throw new ArgumentNullException(nameof(factory));
        Budget = budget;
        if (budget is not null && Parameters.All(p => p.Name != budget.Parameter))
            throw new ArgumentException($"{name}: budget knob '{budget.Parameter}' is not one of its parameters", nameof(budget));
    }

    /// <summary>The parameter a token budget drives, or null when the reducer cannot take a budget.</summary>
    public ReducerBudgetKnob? Budget { get; }

    /// <summary>
    /// The reducer with <paramref name="parameters"/> and <paramref name="preset"/> applied, then its budget knob set to
    /// <paramref name="knob"/> (which may lie outside the parameter's listed range, inside the knob's search range).
    /// </summary>
    public ITokenReducer CreateWithKnob(string? parameters, string? preset, double knob)
    {
        ReducerBudgetKnob budget = Budget ?? throw new TokenReducerConfigurationException(NoBudgetMessage(Name));
        object[] values = ResolveArguments(parameters, preset);
        int index = IndexOf(budget.Parameter);
        values[index] = Parameters[index].Kind == ReducerParameterKind.Single ? (object)(float)knob : knob;
        return _factory(values);
    }

    /// <summary>Why a reducer without a knob cannot take a budget.</summary>
    internal static string NoBudgetMessage(string name) =>
        $"reducer '{name}' cannot take a token budget (retention=R): it declares no budget knob ([BudgetKnob] on one of its parameters; see docs/writing-a-reducer.md)";

    /// <summary>Registry name.</summary>
    public string Name { get; }

    /// <summary>One line of help.</summary>
    public string Description { get; }

    /// <summary>The reducer class.</summary>
    public Type ReducerType { get; }

    /// <summary>Parameters in declaration order.</summary>
    public IReadOnlyList<ReducerParameter> Parameters { get; }

    /// <summary>Named parameter sets.</summary>
    public IReadOnlyList<ReducerPreset> Presets { get; }

    /// <summary>
    /// Creates the reducer: defaults, then the preset's values (if named), then <paramref name="parameters"/>
    /// (<c>"tau=0.8,cluster_ratio=0.5"</c>). Unknown names, bad values and out-of-range values throw
    /// <see cref="TokenReducerConfigurationException"/> naming the problem and the valid choices.
    /// </summary>
    public ITokenReducer Create(string? parameters = null, string? preset = null) => _factory(ResolveArguments(parameters, preset));

    /// <summary>The typed value of every parameter (in <see cref="Parameters"/> order) for a preset and parameter string.</summary>
    public object[] ResolveArguments(string? parameters = null, string? preset = null)
    {
        object[] values = new object[Parameters.Count];
        for (int i = 0; i < values.Length; i++) values[i] = Parameters[i].Default;
        if (!string.IsNullOrEmpty(preset))
        {
            ReducerPreset p = Presets.FirstOrDefault(x => string.Equals(x.Name, preset, StringComparison.Ordinal))
                ?? throw new TokenReducerConfigurationException(
                    $"{Name}: unknown preset '{preset}'; valid presets: {(Presets.Count == 0 ? "(none)" : string.Join(", ", Presets.Select(x => x.Name)))}");
            Apply(values, p.Parameters, $"{Name}:{p.Name}");
        }
        Apply(values, parameters, Name);
        return values;
    }

    private void Apply(object[] values, string? text, string owner)
    {
        if (string.IsNullOrWhiteSpace(text)) return;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string item in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = item.IndexOf('=');
            if (eq <= 0)
                throw new TokenReducerConfigurationException($"{owner}: '{item}' is not of the form name=value; valid parameters: {ValidList()}");
            string key = item[..eq].Trim();
            int index = IndexOf(key);
            if (index < 0)
                throw new TokenReducerConfigurationException($"{owner}: unknown parameter '{key}'; valid parameters: {ValidList()}");
            if (!seen.Add(key))
                throw new TokenReducerConfigurationException($"{owner}: parameter '{key}' is given twice");
            values[index] = Parameters[index].Parse(owner, item[(eq + 1)..]);
        }
    }

    private int IndexOf(string key)
    {
        for (int i = 0; i < Parameters.Count; i++)
            if (string.Equals(Parameters[i].Name, key, StringComparison.Ordinal)) return i;
        return -1;
    }

    private string ValidList() => Parameters.Count == 0 ? "(none)" : string.Join(", ", Parameters);

    /// <inheritdoc />
    public override string ToString() => Name;
}
