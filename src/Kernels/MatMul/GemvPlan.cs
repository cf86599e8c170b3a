// PruneVid.NET — kernels: how the ILGPU decode GEMV runs a call (which kernel, rows per warp, K splits).
namespace PruneVid.Kernels;

/// <summary>The two GEMV kernels of the ILGPU backend.</summary>
public enum GemvVariant
{
    /// <summary><c>MatMul.Gemv</c>: one warp per output, 32-bit loads of bf16 pairs; any even K (the portable path).</summary>
    Pairs,
    /// <summary><c>MatMul.GemvWide</c>: 128-bit loads, several outputs per warp, K split where the output is narrow.</summary>
    Wide,
}

/// <summary>A GEMV launch plan: the kernel and, for <see cref="GemvVariant.Wide"/>, its rows per warp and K splits.</summary>
public readonly record struct GemvPlan(GemvVariant Variant, int RowsPerWarp, int Splits);

public static partial class MatMul
{
    /// <summary>
    /// Warps a decode GEMV wants in flight to reach DRAM bandwidth: an H100 keeps 64 warps on each of its 132 SMs, and
    /// half of that already saturates its memory with one 128-bit load outstanding per lane (an estimate, to be tuned at
    /// first light).
    /// </summary>
    public const int GemvTargetWarps = 4096;

    /// <summary>Fewest 8-weight vectors per lane a K slice keeps, so a split does not cost more in reduction than it gains.</summary>
    private const int GemvMinVectorsPerLane = 4;

    /// <summary>Most K slices of one call.</summary>
    public const int GemvMaxSplits = 8;

    /// <summary>
    /// The GEMV plan for outputs of <paramref name="totalN"/> columns (all slots of a Project) over K =
    /// <paramref name="k"/>: the wide kernel (4 rows per warp) where K is a multiple of 8 and the weights are 16-byte
    /// aligned, with K cut into as many slices (up to <see cref="GemvMaxSplits"/>, each keeping at least
    /// <see cref="GemvMinVectorsPerLane"/> vectors per lane of a 32-lane warp) as it takes to put
    /// <see cref="GemvTargetWarps"/> warps in flight; the pairs kernel otherwise.
    /// </summary>
    public static GemvPlan PlanGemv(int totalN, int k, bool weightsAligned16)
    {
        if (k % GemvWideVector != 0 || !weightsAligned16) return new GemvPlan(GemvVariant.Pairs, 1, 1);
        const int rows = 4;
        long warps = Math.Max(1, Ceil(totalN, rows));
        long wanted = (GemvTargetWarps + warps - 1) / warps;
        long mostByK = Math.Max(1, k / GemvWideVector / (32 * GemvMinVectorsPerLane));
        int splits = (int)Math.Clamp(wanted, 1, Math.Min(GemvMaxSplits, mostByK));
        return new GemvPlan(GemvVariant.Wide, rows, splits);
    }
}
