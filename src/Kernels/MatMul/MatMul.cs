// PruneVid.NET — kernels: dense matrix multiply with bf16 (or f32) weights.
using System.Numerics.Tensors;
using ILGPU;
using PruneVid.Compute;
using PruneVid.Kernels.Dsl;

namespace PruneVid.Kernels;

/// <summary>
/// y[M,N] = x[M,K] · w[N,K]ᵀ (+ bias[N]) — PyTorch's <c>Linear</c> layout. Weights stay in their stored dtype
/// (raw bf16 words or f32) and are widened to f32 tile by tile; accumulation is f32. The ILGPU kernels live in
/// MatMul.Tiled.cs (portable shared-memory tiles), MatMul.Gemv.cs (one output column per warp, for decode) and
/// MatMul.Project.cs (both for up to three weights reading one x, in one launch).
/// </summary>
public static partial class MatMul
{
    private const int WeightTileRows = 32; // rows of w widened at once (fits L1/L2 for K up to ~5k)
    private const int InputTileRows = 64;

    /// <summary>Reference with bf16 weights (and optional bf16 bias; pass an empty span for none).</summary>
    public static unsafe void Reference(ReadOnlySpan<float> x, ReadOnlySpan<ushort> w, ReadOnlySpan<ushort> bias, Span<float> y, int m, int n, int k)
    {
        CheckShapes(x.Length, w.Length, bias.Length, y.Length, m, n, k);
        fixed (float* px = x) fixed (ushort* pw = w) fixed (ushort* pb = bias) fixed (float* py = y)
        {
            var (xp, wp, bp, yp) = ((nint)px, (nint)pw, (nint)pb, (nint)py);
            float[]? biasF32 = null;
            if (!bias.IsEmpty) { biasF32 = new float[n]; Bf16.ToSingle(bias[..n], biasF32); }
            Run(m, n, k, (tile, rows, n0) => Bf16.ToSingle(new ReadOnlySpan<ushort>((ushort*)wp + (long)n0 * k, rows * k), tile),
                xp, yp, biasF32);
        }
    }

    /// <summary>Reference with f32 weights (and optional f32 bias; pass an empty span for none).</summary>
    public static unsafe void Reference(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y, int m, int n, int k)
    {
        CheckShapes(x.Length, w.Length, bias.Length, y.Length, m, n, k);
        fixed (float* px = x) fixed (float* pw = w) fixed (float* pb = bias) fixed (float* py = y)
        {
            var (xp, wp, bp, yp) = ((nint)px, (nint)pw, (nint)pb, (nint)py);
            float[]? biasF32 = bias.IsEmpty ? null : bias[..n].ToArray();
            Run(m, n, k, (tile, rows, n0) => new ReadOnlySpan<float>((float*)wp + (long)n0 * k, rows * k).CopyTo(tile),
                xp, yp, biasF32);
        }
    }

    /// <summary>Reference of the accumulating multiply with bf16 weights: y += x · wᵀ (+ bias), the product added after it is complete.</summary>
    public static void ReferenceAccumulate(ReadOnlySpan<float> x, ReadOnlySpan<ushort> w, ReadOnlySpan<ushort> bias, Span<float> y, int m, int n, int k)
    {
        var product = new float[(long)m * n];
        Reference(x, w, bias, product, m, n, k);
        TensorPrimitives.Add(y[..product.Length], product, y);
    }

    /// <summary>Reference of the accumulating multiply with f32 weights: y += x · wᵀ (+ bias).</summary>
    public static void ReferenceAccumulate(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y, int m, int n, int k)
    {
        var product = new float[(long)m * n];
        Reference(x, w, bias, product, m, n, k);
        TensorPrimitives.Add(y[..product.Length], product, y);
    }

    private delegate void LoadWeightTile(Span<float> tile, int rows, int firstRow);

    /// <summary>Shared blocked loop: parallel over weight tiles; each tile is widened once and dotted with every input row.</summary>
    private static unsafe void Run(int m, int n, int k, LoadWeightTile load, nint xp, nint yp, float[]? bias)
    {
        if (m == 0 || n == 0) return;
        int weightTiles = (n + WeightTileRows - 1) / WeightTileRows;
        int inputTiles = (m + InputTileRows - 1) / InputTileRows;
        // Few input rows (decode): parallelise over weight tiles only; otherwise over both.
        Parallel.For(0, weightTiles * inputTiles, () => new float[WeightTileRows * k], (job, _, tile) =>
        {
            int wt = job % weightTiles, it = job / weightTiles;
            int n0 = wt * WeightTileRows, rows = Math.Min(WeightTileRows, n - n0);
            int m0 = it * InputTileRows, mRows = Math.Min(InputTileRows, m - m0);
            load(tile, rows, n0);
            for (int i = m0; i < m0 + mRows; i++)
            {
                var xrow = new ReadOnlySpan<float>((float*)xp + (long)i * k, k);
                float* yrow = (float*)yp + (long)i * n;
                for (int r = 0; r < rows; r++)
                {
                    float acc = TensorPrimitives.Dot(xrow, new ReadOnlySpan<float>(tile, r * k, k));
                    yrow[n0 + r] = bias is null ? acc : acc + bias[n0 + r];
                }
            }
            return tile;
        }, _ => { });
    }

    private static void CheckShapes(long x, long w, long bias, long y, int m, int n, int k)
    {
        if (m < 0 || n < 0 || k <= 0) throw new ArgumentOutOfRangeException(nameof(m), $"invalid matmul shape M={m} N={n} K={k}");
        if (x < (long)m * k) throw new ArgumentException($"matmul: x has {x} elements, needs M·K = {(long)m * k}");
        if (w < (long)n * k) throw new ArgumentException($"matmul: w has {w} elements, needs N·K = {(long)n * k}");
        if (bias != 0 && bias < n) throw new ArgumentException($"matmul: bias has {bias} elements, needs N = {n}");
        if (y < (long)m * n) throw new ArgumentException($"matmul: y has {y} elements, needs M·N = {(long)m * n}");
    }
}
