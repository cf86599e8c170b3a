// PruneVid.NET — Cpu backend: a weight matrix seen by the fast kernels (bf16 words or f32, row-major [N, K]).
using PruneVid.Compute;

namespace PruneVid.Kernels.Cpu;

/// <summary>
/// A pointer to a weight matrix in either stored dtype, as the fast kernels read it. Only valid while the tensor's
/// storage is pinned (inside a <c>fixed</c> block) or external (a mapped checkpoint).
/// </summary>
internal readonly unsafe struct CpuWeights(void* data, DType dtype, int rows, int columns)
{
    /// <summary>First element.</summary>
    public void* Data { get; } = data;

    /// <summary>BF16 or F32.</summary>
    public DType DType { get; } = dtype;

    /// <summary>N: output features.</summary>
    public int Rows { get; } = rows;

    /// <summary>K: input features.</summary>
    public int Columns { get; } = columns;

    /// <summary>Element (row, column) widened to f32.</summary>
    public float this[int row, long column]
    {
        get
        {
            long at = (long)row * Columns + column;
            return DType == DType.BF16 ? Bf16.ToSingle(((ushort*)Data)[at]) : ((float*)Data)[at];
        }
    }
}
