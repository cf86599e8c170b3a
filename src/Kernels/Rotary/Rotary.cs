// PruneVid.NET — kernels: rotate-half rotary position embedding.
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
}
