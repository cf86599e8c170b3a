// PruneVid.NET — Cpu backend: matrix multiplies with packed (int4/int8) weights.
using PruneVid.Compute;
using PruneVid.Kernels.Quantized;

namespace PruneVid.Kernels.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    /// <remarks>Keeps the matrix as it is: codes, scales and zero points stay in the managed arrays it owns.</remarks>
    private protected override Tensor FromQuantizedCore(QuantizedMatrix matrix)
    {
        Counters.CountAllocation(matrix.ByteCount);
        return new CpuQuantizedTensor(this, QuantizedDType(matrix), matrix);
    }

    /// <inheritdoc />
    /// <remarks><see cref="CpuQuantizedGemv"/> for decode-shaped calls (M ≤ 8), <see cref="CpuQuantizedGemm"/> for the rest.</remarks>
    private protected override void QuantizedMatMulCore(Tensor x, Tensor w, Tensor? bias, Tensor y, int m, bool accumulate)
    {
        CpuTensor tx = (CpuTensor)x, ty = (CpuTensor)y;
        QuantizedMatrix matrix = ((CpuQuantizedTensor)w).Matrix;
        ReadOnlySpan<float> b = bias is null ? default : ((CpuTensor)bias).F32;
        if (m <= CpuQuantizedGemv.MaxRows) CpuQuantizedGemv.Run(tx.F32, matrix, b, ty.F32, m, accumulate);
        else CpuQuantizedGemm.Run(tx.F32, matrix, b, ty.F32, m, accumulate);
    }

    /// <inheritdoc />
    private protected override void QuantizedEmbeddingCore(Tensor table, Tensor ids, Tensor y)
        => QuantizedEmbedding.Run(((CpuQuantizedTensor)table).Matrix, ((CpuTensor)ids).I32, ((CpuTensor)y).F32);
}
