// PruneVid.NET — kernels.
using System.Numerics.Tensors;
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Kernels.Dsl;

namespace PruneVid.Kernels;

/// <summary>Row-wise RMSNorm (Qwen2 flavour): y = x · (1/sqrt(mean(x²) + eps)) · weight, weight in bf16.</summary>
public static partial class RmsNorm
{
    // Rows shorter than this are normalised one after another; Parallel.For only pays off for real work.
    private const long ParallelThreshold = 1 << 16;

    /// <summary>
    /// The oracle of the RMSNorm kernels and of the Cpu backend's <c>CpuRmsNorm</c> (which the Cpu backend runs
    /// unless Vector512 is missing, then this): normalises each of the <c>x.Length / dim</c> rows of <paramref name="x"/> into <paramref name="y"/>. The sum of squares is accumulated
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

    /// <summary>
    /// <see cref="Reference"/> with an f32 weight (checkpoints converted to f32, tests): the same arithmetic, the
    /// weight read without widening.
    /// </summary>
    public static void ReferenceF32Weight(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, Span<float> y, int dim, float eps)
    {
        if (dim <= 0) throw new ArgumentOutOfRangeException(nameof(dim), dim, "RmsNorm: dim must be positive");
        if (x.Length % dim != 0) throw new ArgumentException($"RmsNorm: x length {x.Length} is not a multiple of dim {dim}", nameof(x));
        if (weight.Length != dim) throw new ArgumentException($"RmsNorm: weight length {weight.Length} differs from dim {dim}", nameof(weight));
        if (y.Length < x.Length) throw new ArgumentException($"RmsNorm: y length {y.Length} is shorter than x length {x.Length}", nameof(y));
        for (int r = 0; r < x.Length / dim; r++) NormalizeRow(x.Slice(r * dim, dim), weight, y.Slice(r * dim, dim), eps);
    }

    /// <summary>
    /// One group per row: each thread squares a strided slice of the row, the group sums the partials with a tree
    /// reduction in shared memory (sized by the group size, a compile-time constant), then every thread scales its
    /// slice. y may alias x: each element is read and written by the same thread, after the reduction.
    /// </summary>
    [Kernel(Reference = nameof(Reference), GroupSizeTunable = "groupSize", Benchmark = nameof(Benchmark))]
    internal static void RowsKernel(
        ArrayView1D<float, Stride1D.Dense> x,
        ArrayView1D<ushort, Stride1D.Dense> weight,
        ArrayView1D<float, Stride1D.Dense> y,
        int dim,
        float eps,
        [Tunable(16, 32, 64, 128, 256, 512, 1024)] SpecializedValue<int> groupSize)
    {
        int threads = groupSize;
        long start = (long)Grid.IdxX * dim;
        float inv = InverseRms(x, start, dim, eps, SharedMemory.Allocate<float>(threads), threads);
        for (int i = Group.IdxX; i < dim; i += threads)
            y[start + i] = x[start + i] * inv * Interop.IntAsFloat((uint)weight[i] << 16);
    }

    /// <summary><see cref="RowsKernel"/> with an f32 weight.</summary>
    [Kernel(Reference = nameof(ReferenceF32Weight), GroupSizeTunable = "groupSize")]
    internal static void RowsF32WeightKernel(
        ArrayView1D<float, Stride1D.Dense> x,
        ArrayView1D<float, Stride1D.Dense> weight,
        ArrayView1D<float, Stride1D.Dense> y,
        int dim,
        float eps,
        [Tunable(16, 32, 64, 128, 256, 512, 1024)] SpecializedValue<int> groupSize)
    {
        int threads = groupSize;
        long start = (long)Grid.IdxX * dim;
        float inv = InverseRms(x, start, dim, eps, SharedMemory.Allocate<float>(threads), threads);
        for (int i = Group.IdxX; i < dim; i += threads)
            y[start + i] = x[start + i] * inv * weight[i];
    }

    // 1/sqrt(mean(x²) + eps) of the row at start, computed by the whole group; every thread gets the result.
    private static float InverseRms(ArrayView1D<float, Stride1D.Dense> x, long start, int dim, float eps, ArrayView<float> partial, int threads)
    {
        int t = Group.IdxX;
        float sum = 0f;
        for (int i = t; i < dim; i += threads)
        {
            float v = x[start + i];
            sum += v * v;
        }
        partial[t] = sum;
        Group.Barrier();
        for (int half = threads / 2; half > 0; half /= 2)
        {
            if (t < half) partial[t] += partial[t + half];
            Group.Barrier();
        }
        return 1f / MathF.Sqrt(partial[0] / dim + eps);
    }

    /// <summary>Launches <see cref="RowsKernel"/> over a 7B-sized hidden state (3584 wide) and records GB/s.</summary>
    public static void Benchmark(KernelRuntime runtime, KernelBenchmarkContext context)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(context);
        int rows = runtime.IsCuda ? 2048 : 4, dim = 3584;
        int groupSize = context.Tunable("groupSize", Math.Min(256, runtime.Accelerator.MaxNumThreadsPerGroup));
        using MemoryBuffer1D<float, Stride1D.Dense> x = runtime.Accelerator.Allocate1D<float>((long)rows * dim);
        using MemoryBuffer1D<ushort, Stride1D.Dense> w = runtime.Accelerator.Allocate1D<ushort>(dim);
        x.MemSetToZero();
        w.MemSetToZero();
        context.Measure(runtime, $"RmsNorm.Rows rows={rows} dim={dim} groupSize={groupSize}",
            () => LaunchRows(runtime, rows, x.View, w.View, x.View, dim, 1e-6f, groupSize),
            bytesMoved: (long)rows * dim * 8 + dim * 2);
    }
}
