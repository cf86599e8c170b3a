// PruneVid.NET — device layer: packed (int4/int8) weight matrices.
using PruneVid.Kernels.Quantized;

namespace PruneVid.Compute;

public abstract partial class ComputeBackend
{
    /// <summary>
    /// A weight tensor of dtype <see cref="DType.Int4"/> or <see cref="DType.Int8"/> and shape [N, K] holding
    /// <paramref name="matrix"/> as packed codes, scales and zero points (never widened in memory). It is only a
    /// weight of <see cref="MatMul"/>, <see cref="MatMulAccumulate"/> and <see cref="Project"/>, with an F32 bias, and a
    /// table of <see cref="Embedding"/>.
    /// </summary>
    public Tensor FromQuantized(QuantizedMatrix matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        return FromQuantizedCore(matrix);
    }

    /// <summary>Stores a packed matrix on this backend.</summary>
    private protected abstract Tensor FromQuantizedCore(QuantizedMatrix matrix);

    /// <summary>y = x · wᵀ (+ bias) with a packed <paramref name="w"/>; arguments already validated.</summary>
    private protected abstract void QuantizedMatMulCore(Tensor x, Tensor w, Tensor? bias, Tensor y, int m, bool accumulate);

    /// <summary>
    /// <see cref="Project"/> with packed weights (arguments already validated): one matrix multiply per projection
    /// unless the backend can do them in one pass.
    /// </summary>
    private protected virtual void QuantizedProjectCore(Tensor x, ReadOnlySpan<Projection> projections, int m)
    {
        foreach (Projection p in projections) QuantizedMatMulCore(x, p.Weight, p.Bias, p.Output, m, accumulate: false);
    }

    /// <summary>y[i] = the dequantized row clamp(ids[i]) of a packed table (shapes checked, non-empty).</summary>
    private protected abstract void QuantizedEmbeddingCore(Tensor table, Tensor ids, Tensor y);

    /// <summary>The dtype of a packed matrix's tensor.</summary>
    protected static DType QuantizedDType(QuantizedMatrix matrix) => matrix.Bits == 4 ? DType.Int4 : DType.Int8;
}
