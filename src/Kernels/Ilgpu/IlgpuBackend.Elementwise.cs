// PruneVid.NET — ILGPU backend: elementwise add.
using PruneVid.Compute;

namespace PruneVid.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc />
    public void Add(Tensor a, Tensor b, Tensor y)
    {
        IlgpuTensor ta = Own(a, nameof(a)), tb = Own(b, nameof(b)), ty = Own(y, nameof(y));
        RequireF32(ta, nameof(a), "Add");
        RequireF32(tb, nameof(b), "Add");
        RequireF32(ty, nameof(y), "Add");
        if (tb.Length != ta.Length || ty.Length != ta.Length)
            throw new ArgumentException($"Add: a {ta}, b {tb} and y {ty} must have the same length", nameof(y));
        Kernels.Add.LaunchElementwise(Runtime, ElementCount(ta, "Add"), ta.RawF32, tb.RawF32, ty.RawF32);
    }

    /// <summary>The length of <paramref name="tensor"/> as a launch extent, or a clear error past 2^31 elements.</summary>
    private static int ElementCount(IlgpuTensor tensor, string op)
        => tensor.Length <= int.MaxValue ? (int)tensor.Length : throw new ArgumentException($"{op}: {tensor} has more than 2^31 elements");
}
