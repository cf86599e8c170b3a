// PruneVid.NET — ILGPU backend.
using PruneVid.Compute;

namespace PruneVid.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc />
    public void SiluMul(Tensor gate, Tensor up, Tensor y)
    {
        IlgpuTensor g = Own(gate, nameof(gate)), u = Own(up, nameof(up)), o = Own(y, nameof(y));
        RequireF32(g, nameof(gate), "SiluMul");
        RequireF32(u, nameof(up), "SiluMul");
        RequireF32(o, nameof(y), "SiluMul");
        if (u.Length != g.Length || o.Length != g.Length)
            throw new ArgumentException($"SiluMul: gate {g}, up {u} and y {o} must have the same length", nameof(y));
        if (g.Length > int.MaxValue) throw new ArgumentException($"SiluMul: {g} has more than 2^31 elements", nameof(gate));
        Kernels.SiluMul.Launch(Runtime, (int)g.Length, g.RawF32, u.RawF32, o.RawF32);
    }

    private static void RequireF32(IlgpuTensor tensor, string parameter, string op)
    {
        if (tensor.DType != DType.F32) throw new ArgumentException($"{op}: {parameter} must be F32, got {tensor}", parameter);
    }
}
