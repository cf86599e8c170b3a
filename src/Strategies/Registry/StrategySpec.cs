// PruneVid.NET — strategy specs: one reducer or a chain, parsed in one place.
using System.Text;

namespace PruneVid.Strategies;

/// <summary>
/// A parsed strategy spec. Grammar (whitespace around the symbols is ignored):
/// <code>
/// spec  := stage ( '+' stage )*
/// stage := reducer [ ':' preset ] [ '(' name=value ( ',' name=value )* ')' ]
/// </code>
/// e.g. <c>prunevid-stage1:aggressive+prunevid-stage2(alpha=0.3)</c>. Stages run in order: reducers that act before
/// the language model first, then the hooks of the in-model ones. Values in parentheses override the preset; a
/// separate parameter string (<c>--param</c>, <see cref="Create"/>'s <c>parameters</c>) overrides both and goes to
/// every stage that declares the parameter. <c>retention=R</c> (in any stage's parentheses or in the parameter string)
/// is not a stage parameter but the whole chain's token budget (<see cref="Retention"/>, <see cref="TokenBudget"/>).
/// </summary>
public sealed class StrategySpec
{
    /// <summary>The name under which a token budget is given, in a spec or a parameter string.</summary>
    public const string RetentionParameter = "retention";

    private StrategySpec(string text, IReadOnlyList<StrategyStage> stages, double? retention)
    {
        Text = text;
        Stages = stages;
        Retention = retention;
    }

    /// <summary>The token budget the spec asks for (a kept share in (0, 1]), or null.</summary>
    public double? Retention { get; }

    /// <summary>The spec as written.</summary>
    public string Text { get; }

    /// <summary>The stages, in order.</summary>
    public IReadOnlyList<StrategyStage> Stages { get; }

    /// <summary>Parses <paramref name="spec"/>; errors name the bad part and its character position.</summary>
    public static StrategySpec Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var stages = new List<StrategyStage>();
        int i = 0;
        while (true)
        {
            stages.Add(ParseStage(spec, ref i, stages.Count + 1));
            SkipSpace(spec, ref i);
            if (i == spec.Length) break;
            if (spec[i] != '+') throw Error(spec, i, $"expected '+' or the end after stage {stages.Count}, found '{spec[i]}'");
            i++;
        }
        double? retention = null;
        for (int s = 0; s < stages.Count; s++)
        {
            if (stages[s].Parameters.FirstOrDefault(p => p.Key == RetentionParameter) is not { Key: not null } item) continue;
            double value = ParseRetention(item.Value, $"strategy '{spec}'");
            if (retention is double other && other != value)
                throw Error(spec, stages[s].Offset, $"retention is given twice with different values ({other} and {value}); a chain has one budget");
            retention = value;
            stages[s] = stages[s] with { Parameters = [.. stages[s].Parameters.Where(p => p.Key != RetentionParameter)] };
        }
        return new StrategySpec(spec, Expand(spec, stages), retention);
    }

    /// <summary>A budget value: a kept share in (0, 1].</summary>
    public static double ParseRetention(string text, string owner)
    {
        if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double value)
            || !(value > 0 && value <= 1))
            throw new TokenReducerConfigurationException($"{owner}: retention '{text}' is not a share of the visual tokens in (0, 1], e.g. retention=0.25");
        return value;
    }

    /// <summary>Removes <c>retention=R</c> items from a parameter string; returns the rest and the budget (null when absent).</summary>
    public static (string? Parameters, double? Retention) SplitRetention(string? parameters)
    {
        if (string.IsNullOrWhiteSpace(parameters)) return (parameters, null);
        double? retention = null;
        var rest = new List<string>();
        foreach (string item in parameters.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = item.IndexOf('=');
            if (eq > 0 && item[..eq].Trim() == RetentionParameter) retention = ParseRetention(item[(eq + 1)..].Trim(), "parameters");
            else rest.Add(item);
        }
        return (rest.Count == 0 ? null : string.Join(",", rest), retention);
    }

    /// <summary>
    /// The spec text with <c>retention=R</c> added to its last stage's parentheses, e.g. <c>prunevid(retention=0.25)</c>:
    /// the name of one (strategy, retention) pair of a sweep. A spec that already has a budget is refused.
    /// </summary>
    public static string WithRetention(string spec, double retention)
    {
        StrategySpec parsed = Parse(spec);
        if (parsed.Retention is not null) throw new TokenReducerConfigurationException($"strategy '{spec}' already has a token budget (retention={parsed.Retention}); give budgets in one place");
        string value = retention.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture);
        string text = spec.TrimEnd();
        return text.EndsWith(')') ? $"{text[..^1]},{RetentionParameter}={value})" : $"{text}({RetentionParameter}={value})";
    }

    /// <summary>The spec text without its <c>retention=R</c> (the strategy a sweep's pair belongs to).</summary>
    public static string WithoutRetention(string spec)
    {
        string text = System.Text.RegularExpressions.Regex.Replace(spec, @"\s*,?\s*retention\s*=\s*[^,)\s]+\s*", "");
        return text.Replace("(,", "(").Replace("()", "");
    }

    // A named chain (StrategyAliases) becomes its stages; its inline values go to the stages that declare them.
    private static List<StrategyStage> Expand(string spec, List<StrategyStage> stages)
    {
        var expanded = new List<StrategyStage>();
        foreach (StrategyStage stage in stages)
        {
            if (StrategyAliases.Find(stage.Reducer) is not { } alias) { expanded.Add(stage); continue; }
            if (stage.Preset is not null) throw Error(spec, stage.Offset, $"'{alias.Name}' names a chain ({alias.Spec}) and has no presets");
            var inner = Parse(alias.Spec).Stages.ToList();
            foreach (var (key, value) in stage.Parameters)
            {
                int routed = 0;
                for (int s = 0; s < inner.Count; s++)
                {
                    if (!TokenReducerRegistry.Get(inner[s].Reducer).Parameters.Any(p => p.Name == key)) continue;
                    inner[s] = inner[s] with { Parameters = [.. inner[s].Parameters.Where(p => p.Key != key), new(key, value)] };
                    routed++;
                }
                if (routed == 0) throw Error(spec, stage.Offset, $"no stage of '{alias.Name}' ({alias.Spec}) has a parameter '{key}'");
            }
            expanded.AddRange(inner.Select(s => s with { Offset = stage.Offset }));
        }
        return expanded;
    }

    /// <summary>
    /// Creates the reducers of every stage with <paramref name="parameters"/> (<c>"tau=0.8,alpha=0.3"</c>) applied to
    /// the stages that declare each name; a name no stage declares is an error. With <paramref name="verbose"/>, every
    /// stage that has a <c>verbose</c> parameter the spec and the parameters leave unset logs its summary.
    /// </summary>
    public IReadOnlyList<(string Name, ITokenReducer Reducer)> CreateReducers(string? parameters = null, bool verbose = false) =>
        [.. Resolve(parameters, verbose).Select((r, s) => (Stages[s].Reducer, r.Descriptor.Create(r.Values, Stages[s].Preset)))];

    // Each stage's descriptor and parameter string: the spec's inline values, then the overrides routed to it.
    private IReadOnlyList<(TokenReducerDescriptor Descriptor, string? Values)> Resolve(string? parameters, bool verbose)
    {
        var descriptors = Stages.Select(s => TokenReducerRegistry.Get(s.Reducer)).ToArray();
        var overrides = new List<string>[Stages.Count];
        for (int s = 0; s < Stages.Count; s++) overrides[s] = [];
        foreach (string item in (parameters ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = item.IndexOf('=');
            if (Stages.Count == 1 || eq <= 0) { overrides[0].Add(item); continue; } // one stage: its descriptor reports every fault
            string key = item[..eq].Trim();
            int routed = 0;
            for (int s = 0; s < Stages.Count; s++)
                if (descriptors[s].Parameters.Any(p => p.Name == key)) { overrides[s].Add(item); routed++; }
            if (routed == 0)
                throw new TokenReducerConfigurationException($"strategy '{Text}': no stage has a parameter '{key}'; " +
                    string.Join("; ", descriptors.Select(d => $"{d.Name}: {(d.Parameters.Count == 0 ? "(none)" : string.Join(", ", d.Parameters.Select(p => p.Name)))}")));
        }
        if (verbose)
            for (int s = 0; s < Stages.Count; s++)
                if (descriptors[s].Parameters.Any(p => p.Name == VerboseParameter) && !Stages[s].Parameters.Any(p => p.Key == VerboseParameter)
                    && !overrides[s].Any(o => o.Split('=')[0].Trim() == VerboseParameter))
                    overrides[s].Add(VerboseParameter + "=true");
        return [.. Enumerable.Range(0, Stages.Count).Select(s => (descriptors[s], Merge(Stages[s].Parameters, overrides[s])))];
    }

    /// <summary>The parameter a reducer declares to log its summary line.</summary>
    public const string VerboseParameter = "verbose";

    /// <summary>The reducer a spec names: the stage's reducer for a single stage, else a <see cref="ReducerChain"/>.</summary>
    public ITokenReducer Create(string? parameters = null)
    {
        if (Retention is not null || SplitRetention(parameters).Retention is not null) return CreateChain(parameters);
        var reducers = CreateReducers(parameters);
        return reducers.Count == 1 ? reducers[0].Reducer : new ReducerChain(reducers);
    }

    /// <summary>
    /// The spec as a chain, even of one stage (what the pipeline runs, to report every stage). The token budget is
    /// <paramref name="retention"/> when given, else a <c>retention=R</c> of <paramref name="parameters"/>, else the spec's;
    /// a budget on a chain none of whose reducers declares a knob is refused here.
    /// </summary>
    public ReducerChain CreateChain(string? parameters = null, bool verbose = false, double? retention = null)
    {
        var (rest, fromParameters) = SplitRetention(parameters);
        double? budget = retention ?? fromParameters ?? Retention;
        if (budget is double r && !(r > 0 && r <= 1))
            throw new TokenReducerConfigurationException($"strategy '{Text}': retention {r} is not a share of the visual tokens in (0, 1]");
        var resolved = Resolve(rest, verbose);
        var stages = new List<ChainStage>(resolved.Count);
        for (int s = 0; s < resolved.Count; s++)
        {
            var (descriptor, values) = resolved[s];
            string? preset = Stages[s].Preset;
            ITokenReducer reducer = descriptor.Create(values, preset);
            stages.Add(budget is null || descriptor.Budget is null
                ? new ChainStage(Stages[s].Reducer, reducer)
                : new ChainStage(Stages[s].Reducer, reducer, descriptor.Budget, knob => descriptor.CreateWithKnob(values, preset, knob)));
        }
        if (budget is null) return new ReducerChain(stages, null);
        if (stages.All(s => s.Knob is null))
            throw new TokenReducerConfigurationException($"strategy '{Text}' cannot take a token budget (retention={budget}): none of its reducers " +
                $"({string.Join(", ", Stages.Select(s => s.Reducer))}) declares a budget knob; reducers with one: " +
                string.Join(", ", TokenReducerRegistry.All.Where(d => d.Budget is not null).Select(d => d.Name)));
        return new ReducerChain(stages, budget);
    }

    /// <inheritdoc />
    public override string ToString() => Text;

    // Inline values first, then the overrides; an override replaces an inline value of the same name.
    private static string? Merge(IReadOnlyList<KeyValuePair<string, string>> inline, List<string> overrides)
    {
        var overridden = overrides.Select(o => o.Split('=')[0].Trim()).ToHashSet(StringComparer.Ordinal);
        var items = inline.Where(p => !overridden.Contains(p.Key)).Select(p => $"{p.Key}={p.Value}").Concat(overrides).ToArray();
        return items.Length == 0 ? null : string.Join(",", items);
    }

    private static StrategyStage ParseStage(string spec, ref int i, int number)
    {
        SkipSpace(spec, ref i);
        int start = i;
        string name = Word(spec, ref i);
        if (name.Length == 0)
            throw Error(spec, i, i == spec.Length ? $"stage {number} is empty (a reducer name is missing)" : $"stage {number} has no reducer name before '{spec[i]}'");
        string? preset = null;
        SkipSpace(spec, ref i);
        if (i < spec.Length && spec[i] == ':')
        {
            i++;
            SkipSpace(spec, ref i);
            int at = i;
            preset = Word(spec, ref i);
            if (preset.Length == 0) throw Error(spec, at, $"empty preset name after ':' in stage {number} ('{name}')");
            SkipSpace(spec, ref i);
        }
        var parameters = new List<KeyValuePair<string, string>>();
        if (i < spec.Length && spec[i] == '(')
        {
            int open = i++;
            while (true)
            {
                SkipSpace(spec, ref i);
                if (i < spec.Length && spec[i] == ')' && parameters.Count == 0) { i++; break; }
                int at = i;
                string key = Word(spec, ref i);
                SkipSpace(spec, ref i);
                if (key.Length == 0 || i >= spec.Length || spec[i] != '=')
                    throw Error(spec, at, i >= spec.Length ? $"the '(' at character {open + 1} is never closed" : $"expected name=value in the parameters of '{name}'");
                i++;
                SkipSpace(spec, ref i);
                int valueAt = i;
                string value = Word(spec, ref i);
                if (value.Length == 0) throw Error(spec, valueAt, $"parameter '{key}' of '{name}' has no value");
                if (parameters.Any(p => p.Key == key)) throw Error(spec, at, $"parameter '{key}' of '{name}' is given twice");
                parameters.Add(new(key, value));
                SkipSpace(spec, ref i);
                if (i >= spec.Length) throw Error(spec, open, $"the '(' of '{name}' is never closed");
                if (spec[i] == ',') { i++; continue; }
                if (spec[i] == ')') { i++; break; }
                throw Error(spec, i, $"expected ',' or ')' in the parameters of '{name}', found '{spec[i]}'");
            }
        }
        return new StrategyStage(name, preset, parameters, start);
    }

    private static string Word(string spec, ref int i)
    {
        int start = i;
        while (i < spec.Length && !char.IsWhiteSpace(spec[i]) && "+:(),=".IndexOf(spec[i]) < 0) i++;
        return spec[start..i];
    }

    private static void SkipSpace(string spec, ref int i)
    {
        while (i < spec.Length && char.IsWhiteSpace(spec[i])) i++;
    }

    private static TokenReducerConfigurationException Error(string spec, int at, string problem)
    {
        var marker = new StringBuilder().Append(' ', Math.Min(at, spec.Length)).Append('^');
        return new TokenReducerConfigurationException($"strategy '{spec}': {problem} (character {at + 1}){Environment.NewLine}  {spec}{Environment.NewLine}  {marker}");
    }
}

/// <summary>One stage of a <see cref="StrategySpec"/>.</summary>
/// <param name="Reducer">Registry name.</param>
/// <param name="Preset">Preset name, or null.</param>
/// <param name="Parameters">Values given in parentheses, in order.</param>
/// <param name="Offset">Character position of the stage in the spec.</param>
public sealed record StrategyStage(string Reducer, string? Preset, IReadOnlyList<KeyValuePair<string, string>> Parameters, int Offset);
