// PruneVid.NET — ILGPU backend: matrix multiplies with packed (int4/int8) weights.
using ILGPU;
using PruneVid.Compute;
using PruneVid.Kernels.Quantized;

namespace PruneVid.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc />
    /// <remarks>One copy of the codes, scales and zero points into device buffers; nothing is widened.</remarks>
    private protected override Tensor FromQuantizedCore(QuantizedMatrix matrix)
    {
        Counters.CountAllocation(matrix.ByteCount);
        return new IlgpuQuantizedTensor(this, QuantizedDType(matrix), matrix, Accelerator);
    }

    /// <inheritdoc />
    /// <remarks>
    /// On CUDA, decode-shaped calls (M ≤ 8) run <see cref="QuantizedMatMul.PackedGemvKernel"/> (a warp per output
    /// column); everything else, and every call on ILGPU's CPU accelerator (which simulates warps slowly), runs
    /// <see cref="QuantizedMatMul.PackedKernel"/> (a thread per output).
    /// </remarks>
    private protected override void QuantizedMatMulCore(Tensor x, Tensor w, Tensor? bias, Tensor y, int m, bool accumulate)
    {
        IlgpuTensor tx = (IlgpuTensor)x, ty = (IlgpuTensor)y;
        var tw = (IlgpuQuantizedTensor)w;
        var tb = (IlgpuTensor?)bias;
        // The bias view is unread without a bias, but launchers reject empty views: pass the output instead.
        ArrayView<float> biasView = (tb ?? ty).RawF32;
        int hasBias = tb is null ? 0 : 1, add = accumulate ? 1 : 0;
        if (Runtime.IsCuda && m <= Kernels.MatMul.GemvMaxRows)
        {
            int threads = GroupSize(128);
            QuantizedMatMul.LaunchPackedGemv(Runtime, QuantizedMatMul.GemvGroups(tw.Packing.Rows, threads, Accelerator.WarpSize), tx.RawF32,
                tw.Codes.View, tw.Scales.View, tw.Zeros.View, biasView, ty.RawF32, tw.Packing, m, hasBias, add, threads);
            return;
        }
        QuantizedMatMul.LaunchPacked(Runtime, new Index2D(tw.Packing.Rows, m), tx.RawF32, tw.Codes.View, tw.Scales.View, tw.Zeros.View,
            biasView, ty.RawF32, tw.Packing, m, hasBias, add);
    }

    /// <inheritdoc />
    private protected override void QuantizedEmbeddingCore(Tensor table, Tensor ids, Tensor y)
    {
        var tt = (IlgpuQuantizedTensor)table;
        IlgpuTensor ti = (IlgpuTensor)ids, ty = (IlgpuTensor)y;
        QuantizedEmbedding.LaunchPacked(Runtime, Extent(ty.Length, ty, "Embedding"), tt.Codes.View, tt.Scales.View, tt.Zeros.View, ti.RawI32, ty.RawF32, tt.Packing);
    }
}
