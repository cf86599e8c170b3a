// PruneVid.NET — ILGPU backend: matrix multiplies with packed (int4/int8) weights.
using ILGPU;
using PruneVid.Compute;
using PruneVid.Kernels.Quantized;

namespace PruneVid.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc />
    /// <remarks>One copy of the codes, scales and zero points into device buffers; nothing is widened.</remarks>
    protected override Tensor FromQuantizedCore(QuantizedMatrix matrix)
    {
        Counters.CountAllocation(matrix.ByteCount);
        return new IlgpuQuantizedTensor(this, QuantizedDType(matrix), matrix, Accelerator);
    }

    /// <inheritdoc />
    /// <remarks><see cref="QuantizedMatMul.PackedKernel"/>, one thread per output.</remarks>
    protected override void QuantizedMatMulCore(Tensor x, Tensor w, Tensor? bias, Tensor y, int m, bool accumulate)
    {
        IlgpuTensor tx = (IlgpuTensor)x, ty = (IlgpuTensor)y;
        var tw = (IlgpuQuantizedTensor)w;
        var tb = (IlgpuTensor?)bias;
        // The bias view is unread without a bias, but launchers reject empty views: pass the output instead.
        QuantizedMatMul.LaunchPacked(Runtime, new Index2D(tw.Packing.Rows, m), tx.RawF32, tw.Codes.View, tw.Scales.View, tw.Zeros.View,
            (tb ?? ty).RawF32, ty.RawF32, tw.Packing, m, tb is null ? 0 : 1, accumulate ? 1 : 0);
    }
}
