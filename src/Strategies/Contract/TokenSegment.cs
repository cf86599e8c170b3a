// PruneVid.NET — token-reduction contract.
namespace PruneVid.Strategies;

/// <summary>
/// One temporal segment of a reduced video, as later stages need it (PruneVid Stage 2 keeps a share of every static
/// group and of every frame's dynamic group). Output tokens of a segment are laid out as
/// <c>[StaticTokens static tokens][Frames × DynamicTokensPerFrame dynamic tokens, frame by frame]</c>.
/// </summary>
/// <param name="FirstFrame">First temporal step of the segment in the input grid.</param>
/// <param name="Frames">Temporal steps in the segment (the official <c>window_sizes</c>).</param>
/// <param name="StaticTokens">Tokens of the static block (the official <c>static_sizes</c>).</param>
/// <param name="DynamicTokensPerFrame">Dynamic tokens of each frame (the same for every frame of a segment).</param>
/// <param name="OutputStart">Index of the segment's first output token.</param>
public sealed record TokenSegment(int FirstFrame, int Frames, int StaticTokens, int DynamicTokensPerFrame, int OutputStart)
{
    /// <summary>All dynamic tokens of the segment (the official <c>dynamic_sizes</c>).</summary>
    public int DynamicTokens => Frames * DynamicTokensPerFrame;

    /// <summary>All output tokens of the segment.</summary>
    public int Tokens => StaticTokens + DynamicTokens;
}
