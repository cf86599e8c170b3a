// PruneVid.NET — token-reduction contract.
namespace PruneVid.Strategies;

/// <summary>What a reducer may know besides the tokens: the model numbers and where to write progress lines.</summary>
/// <param name="Model">Model numbers (hidden size, merge size, tokens per second…).</param>
/// <param name="Log">Receives human-readable lines (e.g. the verbose Stage-1 summary); null discards them.</param>
public sealed record ReductionContext(ReducerModelInfo Model, Action<string>? Log = null)
{
    /// <summary>Writes <paramref name="line"/> to <see cref="Log"/> when one is attached.</summary>
    public void Write(string line) => Log?.Invoke(line);
}
