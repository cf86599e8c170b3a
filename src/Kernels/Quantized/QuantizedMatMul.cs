// PruneVid.NET — quantized weights: y = x · Wᵀ (+ bias) with a packed weight matrix, the plain reference.
namespace PruneVid.Kernels.Quantized;

/// <summary>
/// y[M,N] = x[M,K] · W[N,K]ᵀ (+ bias[N]) where W is a <see cref="QuantizedMatrix"/>. <see cref="Reference"/> is the
/// oracle of every fast path: each weight dequantized on its own, products summed in column order in f32.
/// The fast paths: <see cref="CpuQuantizedGemv"/> (decode, codes widened in registers), <see cref="CpuQuantizedGemm"/>
/// (prefill, a dequantized panel into the packed f32 GEMM) and the ILGPU kernel in QuantizedMatMul.Kernels.cs. The Cpu
/// backend's default, <see cref="IntegerDotMatMul"/>, rounds x to int8 first and has its own reference beside it.
/// </summary>
public static partial class QuantizedMatMul
{
    /// <summary>Plain reference; with <paramref name="accumulate"/> the finished product (+ bias) is added to y.</summary>
    public static void Reference(ReadOnlySpan<float> x, QuantizedMatrix w, ReadOnlySpan<float> bias, Span<float> y, int m, bool accumulate)
    {
        ArgumentNullException.ThrowIfNull(w);
        int n = w.Rows, k = w.Columns;
        if (x.Length < (long)m * k || y.Length < (long)m * n || (!bias.IsEmpty && bias.Length < n))
            throw new ArgumentException($"quantized matmul: x has {x.Length} values, y {y.Length}, bias {bias.Length}, for M={m} N={n} K={k}");
        for (int i = 0; i < m; i++)
        {
            for (int r = 0; r < n; r++)
            {
                float sum = 0;
                for (int c = 0; c < k; c++) sum += x[i * k + c] * w.Dequantize(r, c);
                if (!bias.IsEmpty) sum += bias[r];
                y[i * n + r] = accumulate ? y[i * n + r] + sum : sum;
            }
        }
    }
}
