// PruneVid.NET — Convert: the ILGPU core of ConvertToF32.
using PruneVid.Compute;

namespace PruneVid.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc />
    private protected override void ConvertToF32Core(Tensor source, Tensor destination, int count)
        => Bf16Convert.LaunchToF32(Runtime, count, ((IlgpuTensor)source).RawBf16, ((IlgpuTensor)destination).RawF32);
}
