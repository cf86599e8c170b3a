// PruneVid.NET — quantized weights: a packed matrix held by the Cpu backend.
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;

namespace PruneVid.Kernels.Quantized;

/// <summary>An Int4/Int8 [N, K] weight tensor on the Cpu backend: the <see cref="QuantizedMatrix"/> itself, in host memory.</summary>
public sealed class CpuQuantizedTensor : Tensor
{
    internal CpuQuantizedTensor(CpuBackend backend, DType dtype, QuantizedMatrix matrix)
        : base(backend, dtype, [matrix.Rows, matrix.Columns], isView: false) => Matrix = matrix;

    /// <summary>The packed codes, scales and zero points.</summary>
    public QuantizedMatrix Matrix { get; }
}
