// PruneVid.NET — Cpu backend: row-wise RMSNorm in two vectorised passes per row, bf16 weights widened in registers.
using System.Runtime.Intrinsics;
using PruneVid.Compute;

namespace PruneVid.Kernels.Cpu;

/// <summary>
/// y = x · (1/sqrt(mean(x²) + eps)) · weight per row, on Vector512 with a scalar tail: one pass for the sum of
/// squares (f32, two accumulators), one for the scaling, with bf16 weights widened in registers (no widened copy of
/// the weight per call), many rows split into one block per core (a <see cref="CpuWorkers"/> loop). Products are
/// rounded in the reference's order, (x · inv) · w, so only the sum's order differs. y may alias x. Oracle:
/// <see cref="RmsNorm.Reference"/> / <see cref="RmsNorm.ReferenceF32Weight"/>; see docs/cpu-backend.md.
/// </summary>
internal static unsafe class CpuRmsNorm
{
    /// <summary>True where Vector512 runs on hardware; elsewhere the Cpu backend uses the references.</summary>
    public static bool IsSupported => Vector512.IsHardwareAccelerated;

    private const long ParallelThreshold = 1 << 16;

    /// <summary>Normalises <paramref name="rows"/> rows of <paramref name="dim"/> values.</summary>
    public static void Run(float* x, CpuWeights weight, float* y, int rows, int dim, float eps)
    {
        if (rows == 1 || (long)rows * dim < ParallelThreshold)
        {
            for (int r = 0; r < rows; r++) Row(x + (long)r * dim, weight, y + (long)r * dim, dim, eps);
            return;
        }
        int blocks = Math.Min(rows, CpuWorkers.Workers);
        CpuWorkers.For(blocks, new Blocks(x, weight, y, rows, dim, eps, blocks));
    }

    /// <summary>One contiguous block of rows per index.</summary>
    private readonly struct Blocks(float* x, CpuWeights weight, float* y, int rows, int dim, float eps, int blocks) : ICpuLoop
    {
        private readonly nint _x = (nint)x, _y = (nint)y;

        public void Run(int index)
        {
            int r0 = (int)((long)index * rows / blocks), r1 = (int)((long)(index + 1) * rows / blocks);
            for (int r = r0; r < r1; r++) Row((float*)_x + (long)r * dim, weight, (float*)_y + (long)r * dim, dim, eps);
        }
    }

    private static void Row(float* x, CpuWeights weight, float* y, int dim, float eps)
    {
        Vector512<float> s0 = default, s1 = default;
        int i = 0;
        for (; i + 32 <= dim; i += 32)
        {
            Vector512<float> a = Vector512.Load(x + i), b = Vector512.Load(x + i + 16);
            s0 = Vector512.FusedMultiplyAdd(a, a, s0);
            s1 = Vector512.FusedMultiplyAdd(b, b, s1);
        }
        float sum = Vector512.Sum(s0 + s1);
        for (; i < dim; i++) sum += x[i] * x[i];
        float inv = 1f / MathF.Sqrt(sum / dim + eps);

        Vector512<float> scale = Vector512.Create(inv);
        i = 0;
        if (weight.DType == DType.BF16)
        {
            ushort* w = (ushort*)weight.Data;
            for (; i + 32 <= dim; i += 32)
            {
                (Vector512<uint> low, Vector512<uint> high) = Vector512.Widen(Vector512.Load(w + i));
                (Vector512.Load(x + i) * scale * Vector512.ShiftLeft(low, 16).AsSingle()).Store(y + i);
                (Vector512.Load(x + i + 16) * scale * Vector512.ShiftLeft(high, 16).AsSingle()).Store(y + i + 16);
            }
            for (; i < dim; i++) y[i] = x[i] * inv * Bf16.ToSingle(w[i]);
        }
        else
        {
            float* w = (float*)weight.Data;
            for (; i + 16 <= dim; i += 16) (Vector512.Load(x + i) * scale * Vector512.Load(w + i)).Store(y + i);
            for (; i < dim; i++) y[i] = x[i] * inv * w[i];
        }
    }
}
