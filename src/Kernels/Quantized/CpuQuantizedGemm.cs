// PruneVid.NET — quantized weights: the Cpu GEMM (prefill), a dequantized panel through the packed f32 GEMM.
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;

namespace PruneVid.Kernels.Quantized;

/// <summary>
/// y[M,N] = x · Wᵀ for many input rows (prefill): panels of <see cref="PanelRows"/> weight rows are dequantized into
/// a reused f32 buffer and multiplied by the existing packed f32 GEMM (<see cref="CpuGemm"/>), so prefill runs at the
/// f32 GEMM's speed plus one dequantization of W per call, which M ≫ 1 rows amortise. Without AVX-512 the f32
/// reference multiplies each panel.
/// </summary>
internal static unsafe class CpuQuantizedGemm
{
    /// <summary>Weight rows dequantized at once: 256 rows × K = 2048 is 2 MB of f32.</summary>
    public const int PanelRows = 256;

    [ThreadStatic] private static float[]? t_panel, t_product;

    /// <summary>Runs the GEMM; <paramref name="bias"/> may be empty.</summary>
    public static void Run(ReadOnlySpan<float> x, QuantizedMatrix w, ReadOnlySpan<float> bias, Span<float> y, int m, bool accumulate)
    {
        int n = w.Rows, k = w.Columns;
        float[] panel = t_panel is { } p && p.Length >= PanelRows * k ? p : t_panel = new float[PanelRows * k];
        float[] product = t_product is { } q && q.Length >= m * PanelRows ? q : t_product = new float[m * PanelRows];
        for (int n0 = 0; n0 < n; n0 += PanelRows)
        {
            int rows = Math.Min(PanelRows, n - n0);
            Parallel.For(0, rows, r => w.DequantizeRow(n0 + r, panel.AsSpan(r * k, k)));
            Span<float> part = product.AsSpan(0, m * rows);
            if (CpuGemm.IsSupported)
            {
                fixed (float* px = x) fixed (float* pw = panel) fixed (float* pp = part)
                    CpuGemm.Run(px, new CpuWeights(pw, DType.F32, rows, k), null, pp, m);
            }
            else MatMul.Reference(x[..(m * k)], panel.AsSpan(0, rows * k), default, part, m, rows, k);
            for (int i = 0; i < m; i++)
            {
                Span<float> yRow = y.Slice(i * n + n0, rows);
                ReadOnlySpan<float> pRow = part.Slice(i * rows, rows);
                for (int r = 0; r < rows; r++)
                {
                    float v = bias.IsEmpty ? pRow[r] : pRow[r] + bias[n0 + r];
                    yRow[r] = accumulate ? yRow[r] + v : v;
                }
            }
        }
    }
}
