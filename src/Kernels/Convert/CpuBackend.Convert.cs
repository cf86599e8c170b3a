// PruneVid.NET — Convert: the Cpu core of ConvertToF32 (the reference).
using PruneVid.Compute;

namespace PruneVid.Kernels.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    private protected override void ConvertToF32Core(Tensor source, Tensor destination, int count)
        => Bf16Convert.Reference(((CpuTensor)source).Bf16, ((CpuTensor)destination).F32);

    /// <inheritdoc />
    private protected override void ConvertToBf16Core(Tensor source, Tensor destination, int count)
        => Bf16Round.Reference(((CpuTensor)source).F32, ((CpuTensor)destination).Bf16);
}
