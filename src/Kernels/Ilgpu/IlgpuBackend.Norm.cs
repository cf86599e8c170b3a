// PruneVid.NET — ILGPU backend.
using PruneVid.Compute;

namespace PruneVid.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc />
    public void RmsNorm(Tensor x, Tensor weight, float eps, Tensor y)
    {
        IlgpuTensor input = Own(x, nameof(x)), w = Own(weight, nameof(weight)), output = Own(y, nameof(y));
        RequireF32(input, nameof(x), "RmsNorm");
        RequireF32(output, nameof(y), "RmsNorm");
        // Normalised over the last dimension, whatever the rank.
        int dim = input.Shape.Length == 0 ? 1 : input.Shape[^1];
        if (w.Length != dim || (w.DType != DType.BF16 && w.DType != DType.F32))
            throw new ArgumentException($"RmsNorm: weight {w} must be BF16 or F32 with {dim} elements (the row length of {input})", nameof(weight));
        if (output.Length != input.Length)
            throw new ArgumentException($"RmsNorm: y {output} must have the length of x {input}", nameof(y));
        if (input.Length == 0) return;
        long rows = input.Length / dim;
        if (rows > int.MaxValue) throw new ArgumentException($"RmsNorm: {input} has more than 2^31 rows", nameof(x));

        int groupSize = RmsNormGroupSize(dim);
        if (w.DType == DType.BF16)
            Kernels.RmsNorm.LaunchRows(Runtime, (int)rows, input.RawF32, w.RawBf16, output.RawF32, dim, eps, groupSize);
        else
            Kernels.RmsNorm.LaunchRowsF32Weight(Runtime, (int)rows, input.RawF32, w.RawF32, output.RawF32, dim, eps, groupSize);
    }

    // A group of 256 keeps a 3584-wide row at 14 elements per thread; narrow rows use fewer threads. Never more
    // than the accelerator allows (16 on ILGPU's CPU accelerator), never fewer than the smallest tunable (16).
    private int RmsNormGroupSize(int dim)
    {
        int wanted = dim <= 256 ? 64 : 256;
        int size = Math.Min(wanted, Accelerator.MaxNumThreadsPerGroup);
        int power = 16;
        while (power * 2 <= size) power *= 2;
        return power;
    }
}
