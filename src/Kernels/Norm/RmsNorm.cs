// PruneVid.NET — kernels.
using System.Numerics.Tensors;
using PruneVid.Compute;

namespace PruneVid.Kernels;

/// <summary>Row-wise RMSNorm (Qwen2 flavour): y = x · (1/sqrt(mean(x²) + eps)) · weight, weight in bf16.</summary>
public static partial class RmsNorm
{
    // Rows shorter than this are normalised one after another; Parallel.For only pays off for real work.
    private const long ParallelThreshold = 1 << 16;

    /// <summary>
    /// The scalar oracle (and the Cpu backend's implementation): normalises each of the
    /// <c>x.Length / dim</c> rows of <paramref name="x"/> into <paramref name="y"/>. The sum of squares is accumulated
    /// in f32; <paramref name="y"/> may alias <paramref name="x"/>.
    /// </summary>
    public static void Reference(ReadOnlySpan<float> x, ReadOnlySpan<ushort> weight, Span<float> y, int dim, float eps)
    {
        if (dim <= 0) throw new ArgumentOutOfRangeException(nameof(dim), dim, "RmsNorm: dim must be positive");
        if (x.Length % dim != 0) throw new ArgumentException($"RmsNorm: x length {x.Length} is not a multiple of dim {dim}", nameof(x));
        if (weight.Length != dim) throw new ArgumentException($"RmsNorm: weight length {weight.Length} differs from dim {dim}", nameof(weight));
        if (y.Length < x.Length) throw new ArgumentException($"RmsNorm: y length {y.Length} is shorter than x length {x.Length}", nameof(y));

        float[] w = new float[dim];
        Bf16Convert.Reference(weight, w);
        int rows = x.Length / dim;
        if ((long)rows * dim < ParallelThreshold || rows == 1)
        {
            for (int r = 0; r < rows; r++) NormalizeRow(x.Slice(r * dim, dim), w, y.Slice(r * dim, dim), eps);
            return;
        }

        unsafe
        {
            fixed (float* px = x, py = y)
            {
                nint xs = (nint)px, ys = (nint)py;
                Parallel.For(0, rows, r => NormalizeRow(
                    new ReadOnlySpan<float>((float*)xs + (long)r * dim, dim), w, new Span<float>((float*)ys + (long)r * dim, dim), eps));
            }
        }
    }

    private static void NormalizeRow(ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> y, float eps)
    {
        float mean = TensorPrimitives.SumOfSquares(x) / x.Length;
        float inv = 1f / MathF.Sqrt(mean + eps);
        TensorPrimitives.Multiply(x, inv, y);
        TensorPrimitives.Multiply(y, w, y);
    }
}
