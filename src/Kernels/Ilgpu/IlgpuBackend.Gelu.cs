// PruneVid.NET — ILGPU backend: exact GELU.
using PruneVid.Compute;

namespace PruneVid.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc />
    public void Gelu(Tensor x, Tensor y)
    {
        IlgpuTensor tx = Own(x, nameof(x)), ty = Own(y, nameof(y));
        RequireF32(tx, nameof(x), "Gelu");
        RequireF32(ty, nameof(y), "Gelu");
        if (ty.Length != tx.Length) throw new ArgumentException($"Gelu: y {ty} must have the length of x {tx}", nameof(y));
        Kernels.Gelu.LaunchElementwise(Runtime, ElementCount(tx, "Gelu"), tx.RawF32, ty.RawF32);
    }
}
