// PruneVid.NET — Rotary: the Cpu cores of Rotary and M-RoPE (CpuRotary; the references without Vector512).
using PruneVid.Compute;

namespace PruneVid.Kernels.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    /// <remarks><see cref="CpuRotary.Rotary"/> (bit-identical to the reference); without hardware Vector512 the reference.</remarks>
    private protected override unsafe void RotaryCore(Tensor x, int heads, int headDim, Tensor cos, Tensor sin)
    {
        CpuTensor tx = (CpuTensor)x, tc = (CpuTensor)cos, ts = (CpuTensor)sin;
        if (!CpuRotary.IsSupported)
        {
            Kernels.Rotary.Reference(tx.F32, heads, headDim, tc.F32, ts.F32);
            return;
        }
        fixed (float* px = tx.F32) fixed (float* pc = tc.F32) fixed (float* ps = ts.F32)
            CpuRotary.Rotary(px, (int)(tx.Length / ((long)heads * headDim)), heads, headDim, pc, ps);
    }

    /// <inheritdoc />
    /// <remarks><see cref="CpuRotary.MRope"/> (bit-identical to the reference); without hardware Vector512 the reference.</remarks>
    private protected override unsafe void MRopeCore(Tensor x, int heads, int headDim, Tensor positions, Tensor cosTable, Tensor sinTable, ReadOnlySpan<int> mropeSection)
    {
        CpuTensor tx = (CpuTensor)x, tp = (CpuTensor)positions, tc = (CpuTensor)cosTable, ts = (CpuTensor)sinTable;
        if (!CpuRotary.IsSupported)
        {
            Kernels.MRope.Reference(tx.F32, heads, headDim, tp.I32, tc.F32, ts.F32, mropeSection);
            return;
        }
        int half = headDim / 2;
        fixed (float* px = tx.F32) fixed (float* pc = tc.F32) fixed (float* ps = ts.F32)
            CpuRotary.MRope(px, (int)(tx.Length / ((long)heads * headDim)), heads, headDim, tp.I32, pc, ps, (int)(tc.Length / half), mropeSection);
    }

    /// <inheritdoc />
    private protected override void MRopeCore(Tensor q, int qHeads, Tensor k, int kHeads, int headDim, Tensor positions, Tensor cosTable, Tensor sinTable, ReadOnlySpan<int> mropeSection)
    {
        MRopeCore(q, qHeads, headDim, positions, cosTable, sinTable, mropeSection);
        MRopeCore(k, kHeads, headDim, positions, cosTable, sinTable, mropeSection);
    }
}
