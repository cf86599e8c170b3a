// PruneVid.NET — kernels: the scalar arguments of a fused projection launch (packed: ILGPU takes at most 14 parameters).
namespace PruneVid.Kernels;

/// <summary>
/// Shapes of one <c>MatMul.ProjectTiled</c>/<c>ProjectGemv</c> launch: up to three weights [N_i, K] reading the same
/// x [M, K]. A slot with N = 0 is unused (its views may repeat slot 0's). Bit i of <see cref="BiasMask"/> says that
/// slot i has a bias.
/// </summary>
public readonly struct ProjectionShapes(int m, int k, int n0, int n1, int n2, int biasMask)
{
    /// <summary>Rows of x.</summary>
    public readonly int M = m;

    /// <summary>Row length of x and of every weight.</summary>
    public readonly int K = k;

    /// <summary>Outputs per row of slot 0, 1 and 2.</summary>
    public readonly int N0 = n0, N1 = n1, N2 = n2;

    /// <summary>Bit i set: slot i adds its bias.</summary>
    public readonly int BiasMask = biasMask;

    /// <summary>All outputs of a row, over the three slots.</summary>
    public int TotalN => N0 + N1 + N2;

    /// <summary>The N of slot <paramref name="slot"/>.</summary>
    public int N(int slot) => slot == 0 ? N0 : slot == 1 ? N1 : N2;
}
