// PruneVid.NET — token-reduction contract.
namespace PruneVid.Strategies;

/// <summary>
/// A token's M-RoPE position: temporal, height and width ids (the three rows of Qwen2.5-VL's position ids). The one
/// position type of the project: reducers see a video token's offset from its item's base position, and the language
/// model's media items store the same values.
/// </summary>
public readonly record struct TokenPosition(int T, int H, int W)
{
    /// <inheritdoc />
    public override string ToString() => $"({T}, {H}, {W})";
}
