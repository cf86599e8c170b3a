// PruneVid.NET — kernels: the scalar arguments of a wide GEMV launch (packed: ILGPU takes at most 14 parameters).
namespace PruneVid.Kernels;

/// <summary>
/// One <c>MatMul.GemvWide</c> launch: the projections it computes (<see cref="Shapes"/>; a single MatMul is slot 0
/// alone), how many slices K is cut into (<see cref="Splits"/>; 1 writes y directly) and whether the result is added
/// to y (<see cref="Accumulate"/> ≠ 0, the residual add of o_proj and down).
/// </summary>
public readonly struct GemvWideShape(ProjectionShapes shapes, int splits, int accumulate)
{
    /// <summary>Rows of x, K, and each slot's N and bias bit.</summary>
    public readonly ProjectionShapes Shapes = shapes;

    /// <summary>Slices of K computed by separate warps and summed by <c>MatMul.GemvSplitSum</c> (1: no split).</summary>
    public readonly int Splits = splits;

    /// <summary>Non-zero: y += result instead of y = result.</summary>
    public readonly int Accumulate = accumulate;
}
