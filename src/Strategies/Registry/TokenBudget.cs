// PruneVid.NET — strategy specs: meeting a token budget on one video.
using System.Globalization;

namespace PruneVid.Strategies;

/// <summary>
/// Tunes the budget knobs of a chain for one video so that R of its N visual tokens are left after the last stage.
/// How a chain splits the budget: the k stages with a knob share it evenly in ratio — each but the last keeps
/// R^(1/k) of the tokens it receives, and the last keeps round(R·N) of the video's tokens whatever the earlier ones
/// left, so the chain meets R whenever its last knob can. Stages without a knob run as configured. Share knobs are
/// set exactly; monotone knobs are bisected (reducers before the model are run on the video at each step; in-model
/// reducers predict their count, <see cref="IPredictsKeptTokens"/>). The value whose count is closest wins.
/// </summary>
internal sealed class TokenBudget(double retention, int videoTokens, int knobs, ReductionContext context)
{
    private const int Steps = 24;
    private int _tuned;

    /// <summary>Tokens the whole chain should leave.</summary>
    public int Target { get; } = (int)Math.Round(retention * videoTokens, MidpointRounding.ToEven);

    /// <summary>Runs a stage before the model with its knob tuned to this stage's share of the budget.</summary>
    public TokenReduction TuneBeforeModel(ChainStage stage, VideoTokens input)
    {
        int goal = Goal(input.Count);
        var quiet = context with { Log = null }; // the search's trial runs print nothing
        ReducerBudgetKnob knob = stage.Knob!;
        if (!knob.IsMonotone)
        {
            double value = knob.ForShare(input.Count == 0 ? 1 : (double)goal / input.Count);
            TokenReduction exact = stage.WithKnob!(value).Reduce(input, quiet);
            Report(stage, value, exact.Count, input.Count, goal);
            return exact;
        }
        if (stage.Reducer is IPredictsKeptTokens)
        {
            // The count is known without running the reducer: search on the prediction, run once.
            double predicted = Bisect(knob, v => ((IPredictsKeptTokens)stage.WithKnob!(v)).KeptTokens(input.Count, input.Grid.T, []), goal).Value;
            TokenReduction once = stage.WithKnob!(predicted).Reduce(input, quiet);
            Report(stage, predicted, once.Count, input.Count, goal);
            return once;
        }
        TokenReduction? best = null;
        double bestValue = double.NaN;
        Bisect(knob, v =>
        {
            TokenReduction trial = stage.WithKnob!(v).Reduce(input, quiet);
            if (best is null || Math.Abs(trial.Count - goal) < Math.Abs(best.Count - goal))
            {
                Release(best, input);
                (best, bestValue) = (trial, v);
            }
            else Release(trial, input);
            return trial.Count;
        }, goal);
        Report(stage, bestValue, best!.Count, input.Count, goal);
        return best;
    }

    /// <summary>An in-model reducer with its knob tuned to this stage's share of the budget.</summary>
    public ILanguageModelReducer TuneInModel(ChainStage stage, int tokens, int frames, IReadOnlyList<TokenSegment> segments)
    {
        int goal = Goal(tokens);
        ReducerBudgetKnob knob = stage.Knob!;
        double value;
        if (!knob.IsMonotone) value = knob.ForShare(tokens == 0 ? 1 : (double)goal / tokens);
        else
        {
            if (stage.Reducer is not IPredictsKeptTokens)
                throw new TokenReducerConfigurationException($"'{stage.Name}' acts inside the language model with a monotone budget knob '{knob.Parameter}' but cannot predict its count (IPredictsKeptTokens), so a budget cannot be met before the model runs");
            value = Bisect(knob, v => ((IPredictsKeptTokens)stage.WithKnob!(v)).KeptTokens(tokens, frames, segments), goal).Value;
        }
        var reducer = (ILanguageModelReducer)stage.WithKnob!(value);
        Report(stage, value, ((reducer as IPredictsKeptTokens)?.KeptTokens(tokens, frames, segments)) ?? -1, tokens, goal);
        return reducer;
    }

    /// <summary>This stage's goal: an even share in ratio, or the chain's target for the last stage with a knob.</summary>
    private int Goal(int received)
    {
        _tuned++;
        if (_tuned >= knobs) return Math.Min(received, Target);
        double share = Math.Pow(retention, 1.0 / knobs);
        return (int)Math.Round(share * received, MidpointRounding.ToEven);
    }

    /// <summary>
    /// Bisection on a monotone knob over its range: the value whose count is closest to <paramref name="goal"/> (the
    /// higher-retention side on a tie), after at most <see cref="Steps"/> evaluations or an exact hit.
    /// </summary>
    private static (double Value, bool Exact) Bisect(ReducerBudgetKnob knob, Func<double, int> count, int goal)
    {
        bool increasing = knob.Kind == BudgetKnobKind.Increasing;
        double lo = knob.Low, hi = knob.High, best = increasing ? hi : lo;
        int bestCount = int.MaxValue;
        for (int step = 0; step < Steps; step++)
        {
            double mid = step == 0 ? (increasing ? hi : lo) : (lo + hi) / 2; // first the knob's most-keeping end
            int c = count(mid);
            if (Math.Abs(c - goal) < Math.Abs(bestCount - goal) || (Math.Abs(c - goal) == Math.Abs(bestCount - goal) && c > bestCount))
                (best, bestCount) = (mid, c);
            if (c == goal) return (mid, true);
            if (step == 0 && c < goal) return (mid, false); // even keeping the most cannot reach the goal
            if ((c < goal) == increasing) lo = mid; else hi = mid;
        }
        return (best, false);
    }

    private void Report(ChainStage stage, double value, int kept, int received, int goal) =>
        context.Write(string.Create(CultureInfo.InvariantCulture,
            $"[budget] {stage.Name}: {stage.Knob!.Parameter}={value:0.######} keeps {kept} of {received} (goal {goal}; chain target {Target})"));

    private static void Release(TokenReduction? reduction, VideoTokens input)
    {
        if (reduction is not null && reduction.OwnsEmbeddings && !ReferenceEquals(reduction.Embeddings, input.Embeddings)) reduction.Embeddings.Dispose();
    }
}
