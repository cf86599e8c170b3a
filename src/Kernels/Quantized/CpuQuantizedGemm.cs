// PruneVid.NET — quantized weights: the Cpu GEMM (prefill), a dequantized panel through the packed f32 GEMM.
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
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

    [ThreadStatic] private static float[]? t_panel, t_product, t_groups;

    /// <summary>Runs the GEMM; <paramref name="bias"/> may be empty.</summary>
    public static void Run(ReadOnlySpan<float> x, QuantizedMatrix w, ReadOnlySpan<float> bias, Span<float> y, int m, bool accumulate)
    {
        int n = w.Rows, k = w.Columns;
        float[] panel = t_panel is { } p && p.Length >= PanelRows * k ? p : t_panel = new float[PanelRows * k];
        float[] product = t_product is { } q && q.Length >= m * PanelRows ? q : t_product = new float[m * PanelRows];
        for (int n0 = 0; n0 < n; n0 += PanelRows)
        {
            int rows = Math.Min(PanelRows, n - n0);
            CpuWorkers.For(rows, new PanelDequantization(w, n0, panel));
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

    /// <summary>Dequantizes weight row first + i into row i of the panel (on the backend's worker pool).</summary>
    private readonly struct PanelDequantization(QuantizedMatrix w, int first, float[] panel) : ICpuLoop
    {
        public void Run(int i) => DequantizeRow(w, first + i, panel.AsSpan(i * w.Columns, w.Columns));
    }

    /// <summary>
    /// Row <paramref name="row"/> of <paramref name="w"/> as f32: whole blocks 16 codes at a time (zero-extended,
    /// converted, q·s + (−z·s) as one exact FMA with the row's widened scales), the tail and machines without AVX-512
    /// through <see cref="QuantizedMatrix.Dequantize"/>.
    /// </summary>
    internal static void DequantizeRow(QuantizedMatrix w, int row, Span<float> destination)
    {
        int blocks = Avx512F.IsSupported ? w.Columns / QuantizedMatrix.Block : 0;
        if (blocks > 0)
        {
            float[] perRow = t_groups is { } g0 && g0.Length >= 2 * w.Groups ? g0 : t_groups = new float[2 * w.Groups];
            w.WidenRowGroups(row, perRow.AsSpan(0, w.Groups), perRow.AsSpan(w.Groups, w.Groups));
            fixed (byte* codes = w.Codes) fixed (float* dst = destination) fixed (float* scales = perRow)
            {
                float* negZeroScales = scales + w.Groups;
                byte* rowCodes = codes + (long)row * w.RowBytes;
                for (int b = 0; b < blocks; b++)
                {
                    int g = b * QuantizedMatrix.Block / w.GroupSize;
                    Vector512<float> s = Vector512.Create(scales[g]), zs = Vector512.Create(negZeroScales[g]);
                    PackedBlock.Codes(rowCodes, b, w.Bits == 4, out Vector128<byte> first, out Vector128<byte> second);
                    float* at = dst + b * QuantizedMatrix.Block;
                    Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(first)), s, zs).Store(at);
                    Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(second)), s, zs).Store(at + 16);
                }
            }
        }
        for (int c = blocks * QuantizedMatrix.Block; c < w.Columns; c++) destination[c] = w.Dequantize(row, c);
    }
}
