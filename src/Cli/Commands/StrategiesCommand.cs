// PruneVid.NET — command line: `strategies`.
using System.CommandLine;
using System.Text.Json;
using PruneVid.Strategies;

namespace PruneVid.Cli.Commands;

/// <summary><c>strategies [--json]</c>: the registered token reducers with their parameters and presets.</summary>
internal static class StrategiesCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print machine-readable JSON" };
        var command = new Command("strategies", "List the token reducers: names, descriptions, parameters (defaults and ranges) and presets") { json };
        command.SetAction(parse =>
        {
            var all = TokenReducerRegistry.All;
            if (parse.GetValue(json))
            {
                var doc = all.Select(d => new
                {
                    name = d.Name,
                    description = d.Description,
                    parameters = d.Parameters.Select(p => new
                    {
                        name = p.Name, type = p.TypeName, @default = ReducerParameter.FormatValue(p.Default),
                        min = double.IsNaN(p.Min) ? (double?)null : p.Min, max = double.IsNaN(p.Max) ? (double?)null : p.Max,
                        description = p.Description,
                    }),
                    presets = d.Presets.Select(p => new { name = $"{d.Name}:{p.Name}", parameters = p.Parameters, description = p.Description }),
                    budget_knob = d.Budget is { } b ? new { parameter = b.Parameter, kind = KnobText(b), low = b.Low, high = b.High } : null,
                });
                // Named chains come after the reducers, with the spec they stand for.
                var chains = StrategyAliases.All.Select(a => (object)new { name = a.Name, description = a.Description, chain = a.Spec });
                Console.WriteLine(JsonSerializer.Serialize(doc.Cast<object>().Concat(chains), new JsonSerializerOptions { WriteIndented = true }));
                return 0;
            }
            foreach (var d in all)
            {
                Console.WriteLine($"{d.Name}  —  {d.Description}");
                foreach (var p in d.Parameters)
                    Console.WriteLine($"    {p.Name,-24} {p.TypeName,-6} default {ReducerParameter.FormatValue(p.Default),-6} {p.RangeText,-14} {p.Description}");
                foreach (var p in d.Presets)
                    Console.WriteLine($"    preset {d.Name}:{p.Name,-12} {p.Parameters}{(p.Description is null ? "" : "  (" + p.Description + ")")}");
                Console.WriteLine(d.Budget is { } knob
                    ? $"    budget knob {knob.Parameter}: {KnobText(knob)} (retention=R)"
                    : "    no budget knob: cannot take retention=R");
                Console.WriteLine();
            }
            foreach (var a in StrategyAliases.All)
                Console.WriteLine($"{a.Name}  —  {a.Description}\n    = {a.Spec}\n");
            Console.WriteLine("Use: prunevid run --strategy NAME[:PRESET][(name=value,...)][+NAME...] --param name=value ... [--retention R]");
            return 0;
        });
        return command;
    }

    /// <summary>Which way a budget knob moves retention, in words.</summary>
    private static string KnobText(ReducerBudgetKnob knob) => knob.Kind switch
    {
        BudgetKnobKind.KeptShare => "the kept share, set to R",
        BudgetKnobKind.DroppedShare => "the dropped share, set to 1 - R",
        BudgetKnobKind.Increasing => FormattableString.Invariant($"higher keeps more; bisected per video over {knob.Low}..{knob.High}"),
        _ => FormattableString.Invariant($"higher keeps fewer; bisected per video over {knob.Low}..{knob.High}"),
    };
}
