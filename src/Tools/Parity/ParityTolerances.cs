// PruneVid.NET — parity against reference activations.
namespace PruneVid.Tools.Parity;

/// <summary>
/// How close counts as equal for each reference tensor. The reference is HF in f32 with the same bf16 weights, so
/// differences come only from summation order and libm; these bounds are far below the bf16-vs-f32 gap recorded in
/// the fixture (≈0.3 on logits).
/// </summary>
public sealed record ParityTolerances
{
    /// <summary><c>vision.*</c> and <c>video_embeds</c>/<c>image_embeds</c>: max abs error.</summary>
    public double VisionMaxAbs { get; init; } = 1e-3;

    /// <summary><c>text.hidden{i}</c>: max abs error.</summary>
    public double HiddenMaxAbs { get; init; } = 2e-3;

    /// <summary><c>logits_last8</c>: max abs error (and the argmax of every row must agree).</summary>
    public double LogitsMaxAbs { get; init; } = 2e-3;

    /// <summary>Minimum cosine similarity of every float tensor.</summary>
    public double MinCosine { get; init; } = 0.99999;

    /// <summary><c>logits_argmax</c>: minimum fraction of positions with the same argmax.</summary>
    public double ArgMaxAgreement { get; init; } = 0.99;
}
