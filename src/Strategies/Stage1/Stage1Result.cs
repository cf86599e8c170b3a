// PruneVid.NET — PruneVid Stage 1.
namespace PruneVid.Strategies.Stage1;

/// <summary>Host result of Stage 1 for one video.</summary>
/// <param name="Features">[Rows, C] merged features in the official output order.</param>
/// <param name="Rows">Output token count.</param>
/// <param name="Representatives">Input token whose position each output token takes (its cluster centre; for static
/// tokens the centre's spatial position in the segment's first frame).</param>
/// <param name="Provenance">Input tokens covered by each output token.</param>
/// <param name="Segments">Segments with their static/dynamic sizes.</param>
/// <param name="FrameLabels">Temporal DPC-KNN label of every frame (before refinement).</param>
/// <param name="RefinedFrameLabels">Labels after the contiguity refinement.</param>
public sealed record Stage1Result(float[] Features, int Rows, int[] Representatives, TokenProvenance Provenance,
    IReadOnlyList<TokenSegment> Segments, int[] FrameLabels, int[] RefinedFrameLabels);
