// PruneVid.NET — Attention: the head layout of an attention call.
namespace PruneVid.Compute;

/// <summary>Head layout of an attention call.</summary>
/// <param name="Heads">Query heads.</param>
/// <param name="KvHeads">Key/value heads (divides <paramref name="Heads"/>).</param>
/// <param name="HeadDim">Width of one head.</param>
/// <param name="Scale">Multiplier of q·k before the softmax (usually headDim^-0.5).</param>
public readonly record struct AttentionShape(int Heads, int KvHeads, int HeadDim, float Scale)
{
    /// <summary>The usual layout with scale headDim^-0.5.</summary>
    public static AttentionShape Create(int heads, int kvHeads, int headDim)
    {
        if (heads <= 0 || kvHeads <= 0 || headDim <= 0) throw new ArgumentOutOfRangeException(nameof(heads), "heads, kvHeads and headDim must be positive");
        if (heads % kvHeads != 0) throw new ArgumentException($"heads ({heads}) must be a multiple of kvHeads ({kvHeads})");
        return new AttentionShape(heads, kvHeads, headDim, 1f / MathF.Sqrt(headDim));
    }
}
