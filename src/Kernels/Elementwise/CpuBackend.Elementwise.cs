// PruneVid.NET — Elementwise: the Cpu core of Add (the reference).
using PruneVid.Compute;

namespace PruneVid.Kernels.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    private protected override void AddCore(Tensor a, Tensor b, Tensor y, int count)
        => Kernels.Add.Reference(((CpuTensor)a).F32, ((CpuTensor)b).F32, ((CpuTensor)y).F32);
}
