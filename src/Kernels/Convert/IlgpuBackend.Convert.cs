// PruneVid.NET — Convert: the ILGPU core of ConvertToF32.
using PruneVid.Compute;

namespace PruneVid.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc />
    private protected override void ConvertToF32Core(Tensor source, Tensor destination, int count)
        => Bf16Convert.LaunchToF32(Runtime, count, ((IlgpuTensor)source).RawBf16, ((IlgpuTensor)destination).RawF32);

    /// <inheritdoc />
    private protected override void ConvertToBf16Core(Tensor source, Tensor destination, int count)
        => Bf16Round.LaunchFromF32(Runtime, count, ((IlgpuTensor)source).RawF32, ((IlgpuTensor)destination).RawBf16);
}
