// PruneVid.NET — quantized weights: a packed matrix held by the Cpu backend.
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;
namespace PruneVid.Kernels.Quantized;

/// <summary>
/// An Int4/Int8 [N, K] weight tensor on the Cpu backend, in host memory in one of two layouts: the row-major
/// <see cref="QuantizedMatrix"/> (f32 activations) or the 16-row <see cref="QuantizedTiles"/> (int8 activations and
/// integer dot products). Exactly one of <see cref="Matrix"/> and <see cref="Tiles"/> is set.
/// </summary>
public sealed class CpuQuantizedTensor : Tensor
{
    internal CpuQuantizedTensor(CpuBackend backend, DType dtype, QuantizedMatrix matrix)
        : base(backend, dtype, [matrix.Rows, matrix.Columns], isView: false) => Matrix = matrix;

    internal CpuQuantizedTensor(CpuBackend backend, DType dtype, QuantizedTiles tiles)
        : base(backend, dtype, [tiles.Rows, tiles.Columns], isView: false) => Tiles = tiles;

    /// <summary>The row-major codes, scales and zero points, or null when the tensor holds <see cref="Tiles"/>.</summary>
    public QuantizedMatrix? Matrix { get; }

    /// <summary>The tiled codes, scales and zero points, or null when the tensor holds <see cref="Matrix"/>.</summary>
    public QuantizedTiles? Tiles { get; }
}
