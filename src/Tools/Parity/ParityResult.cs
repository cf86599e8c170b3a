// PruneVid.NET — parity against reference activations.
using System.Globalization;

namespace PruneVid.Tools.Parity;

/// <summary>The comparison of one reference tensor with ours.</summary>
/// <param name="Name">Tensor name as stored in the reference file.</param>
/// <param name="Passed">Whether it is within tolerance.</param>
/// <param name="MaxAbsError">max |reference − ours| (NaN for id tensors).</param>
/// <param name="Cosine">Cosine similarity (NaN for id tensors).</param>
/// <param name="MatchFraction">Fraction of equal entries for id tensors (NaN for float tensors).</param>
/// <param name="Detail">Which bound applied or what differs.</param>
public sealed record ParityResult(string Name, bool Passed, double MaxAbsError, double Cosine, double MatchFraction, string Detail)
{
    /// <summary>One line: name, measures, PASS/FAIL and the bound.</summary>
    public override string ToString()
    {
        var c = CultureInfo.InvariantCulture;
        string measures = double.IsNaN(MatchFraction)
            ? string.Format(c, "max_abs {0,10:E3}  cosine {1:F8}", MaxAbsError, Cosine)
            : string.Format(c, "match {0,8:P2}", MatchFraction);
        return $"{(Passed ? "PASS" : "FAIL")}  {Name,-22} {measures}  ({Detail})";
    }
}

/// <summary>All comparisons of a parity run.</summary>
/// <param name="Results">One entry per reference tensor that was compared, in file order of the pipeline.</param>
/// <param name="Elapsed">Wall time of the model run (loading excluded).</param>
public sealed record ParityReport(IReadOnlyList<ParityResult> Results, TimeSpan Elapsed)
{
    /// <summary>Reference tensors that were not compared (e.g. vision tensors when the reference embeddings were used).</summary>
    public IReadOnlyList<string> Skipped { get; init; } = [];

    /// <summary>True when every comparison passed.</summary>
    public bool Passed => Results.All(r => r.Passed);

    /// <summary>The result for <paramref name="name"/>, or null when that tensor was not compared.</summary>
    public ParityResult? this[string name] => Results.FirstOrDefault(r => r.Name == name);
}
