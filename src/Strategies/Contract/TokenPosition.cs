// PruneVid.NET — token-reduction contract.
namespace PruneVid.Strategies;

/// <summary>A token's M-RoPE position: temporal, height and width ids (the three rows of Qwen2.5-VL's position ids).</summary>
public readonly record struct TokenPosition(int T, int H, int W)
{
    /// <inheritdoc />
    public override string ToString() => $"({T}, {H}, {W})";
}
