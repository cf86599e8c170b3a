// PruneVid.NET — ILGPU backend.
using PruneVid.Compute;

namespace PruneVid.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc />
    private protected override void RmsNormCore(Tensor x, Tensor weight, float eps, Tensor y, int dim)
    {
        IlgpuTensor input = (IlgpuTensor)x, w = (IlgpuTensor)weight, output = (IlgpuTensor)y;
        int rows = (int)(input.Length / dim), groupSize = RmsNormGroupSize(dim);
        if (w.DType == DType.BF16)
            Kernels.RmsNorm.LaunchRows(Runtime, rows, input.RawF32, w.RawBf16, output.RawF32, dim, eps, groupSize);
        else
            Kernels.RmsNorm.LaunchRowsF32Weight(Runtime, rows, input.RawF32, w.RawF32, output.RawF32, dim, eps, groupSize);
    }

    // A group of 256 keeps a 3584-wide row at 14 elements per thread; narrow rows use fewer threads. Never more
    // than the accelerator allows (16 on ILGPU's CPU accelerator), never fewer than the smallest tunable (16).
    private int RmsNormGroupSize(int dim) => GroupSize(dim <= 256 ? 64 : 256);
}
