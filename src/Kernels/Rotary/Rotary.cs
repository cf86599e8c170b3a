// PruneVid.NET — kernels: rotate-half rotary position embedding.
using ILGPU;
using PruneVid.Kernels.Dsl;

namespace PruneVid.Kernels;

/// <summary>
/// x' = x·cos + rotate_half(x)·sin per head, with rotate_half(x) = concat(−x[d/2:], x[:d/2]); cos/sin hold one
/// row of headDim angles per token (the vision 2-D table and the text M-RoPE table both reduce to this).
/// </summary>
public static partial class Rotary
{
    /// <summary>The plain C# reference, in place on x [rows, heads·headDim] with cos/sin [rows, headDim].</summary>
    public static void Reference(Span<float> x, int heads, int headDim, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin)
    {
        if (headDim % 2 != 0) throw new ArgumentException($"rotary: head dim {headDim} must be even");
        int stride = heads * headDim, rows = x.Length / stride, half = headDim / 2;
        if (cos.Length < (long)rows * headDim || sin.Length < (long)rows * headDim)
            throw new ArgumentException($"rotary: cos/sin must hold {rows}×{headDim} values");
        for (int r = 0; r < rows; r++)
        {
            var c = cos.Slice(r * headDim, headDim);
            var s = sin.Slice(r * headDim, headDim);
            for (int h = 0; h < heads; h++)
            {
                var v = x.Slice(r * stride + h * headDim, headDim);
                for (int i = 0; i < half; i++)
                {
                    float x1 = v[i], x2 = v[i + half];
                    v[i] = x1 * c[i] - x2 * s[i];
                    v[i + half] = x2 * c[i + half] + x1 * s[i + half];
                }
            }
        }
    }

    /// <summary>
    /// One thread per (row, head, pair): rotates x[i] and x[i + d/2] of one head in place — each thread owns its pair,
    /// so no thread reads what another writes. Extent: rows · heads · headDim/2.
    /// </summary>
    [Kernel(Reference = nameof(Reference))]
    public static void HalfPairsKernel(Index1D index, ArrayView<float> x, ArrayView<float> cos, ArrayView<float> sin, int heads, int headDim)
    {
        int half = headDim / 2;
        long pairsPerRow = (long)heads * half;
        long row = index / pairsPerRow;
        int rest = (int)(index - row * pairsPerRow);
        int head = rest / half, i = rest - head * half;
        long xi = row * heads * headDim + (long)head * headDim + i;
        long ci = row * headDim + i;
        float x1 = x[xi], x2 = x[xi + half];
        x[xi] = x1 * cos[ci] - x2 * sin[ci];
        x[xi + half] = x2 * cos[ci + half] + x1 * sin[ci + half];
    }
}
