// PruneVid.NET — quantized weights: AutoAWQ's GEMM packing, read into a QuantizedMatrix.
namespace PruneVid.Kernels.Quantized;

/// <summary>
/// Reads AutoAWQ's GEMM format (<c>WQLinear_GEMM</c>): <c>qweight</c> int32 [in, out/8] and <c>qzeros</c> int32
/// [in/G, out/8] hold 8 nibbles per word, nibble i (bits 4i..4i+3) being output column 8·word + AWQ_ORDER[i] with
/// AWQ_ORDER = [0,2,4,6,1,3,5,7]; <c>scales</c> f16 [in/G, out]. As AutoAWQ's <c>dequantize_gemm</c> does
/// (<c>unpack_awq</c>, <c>reverse_awq_order</c>, mask with 0xF): output column 8·word + j is nibble
/// AWQ_REVERSE_ORDER[j] = [0,4,1,5,2,6,3,7][j], and W[out, in] = (q − z)·s.
/// </summary>
public static class AwqPacking
{
    /// <summary>Which nibble of a word holds output column 8·word + j.</summary>
    private static readonly int[] ReverseOrder = [0, 4, 1, 5, 2, 6, 3, 7];

    /// <summary>Unpacks one linear layer into the row-major layout of <see cref="QuantizedMatrix"/> (4-bit codes, same groups).</summary>
    public static QuantizedMatrix Unpack(ReadOnlySpan<int> qweight, ReadOnlySpan<int> qzeros, ReadOnlySpan<Half> scales,
        int inFeatures, int outFeatures, int groupSize)
    {
        if (outFeatures % 8 != 0) throw new ArgumentException($"AWQ packs 8 output columns per word; {outFeatures} outputs is not a multiple of 8");
        if (groupSize <= 0 || inFeatures % groupSize != 0)
            throw new ArgumentException($"AWQ group size {groupSize} must divide the {inFeatures} input features");
        int words = outFeatures / 8, groups = inFeatures / groupSize;
        if (qweight.Length != (long)inFeatures * words || qzeros.Length != (long)groups * words || scales.Length != (long)groups * outFeatures)
            throw new ArgumentException($"AWQ tensors do not match in={inFeatures}, out={outFeatures}, group size {groupSize}: "
                + $"qweight has {qweight.Length} words, qzeros {qzeros.Length}, scales {scales.Length}");

        var matrix = new QuantizedMatrix(4, outFeatures, inFeatures, groupSize);
        int[] packed = qweight.ToArray();
        // Word column w fills output rows 8w..8w+7 only, so columns unpack in parallel without sharing a code byte.
        Parallel.For(0, words, w =>
        {
            for (int k = 0; k < inFeatures; k++)
            {
                int word = packed[(long)k * words + w];
                for (int j = 0; j < 8; j++) matrix.SetCode(8 * w + j, k, Nibble(word, ReverseOrder[j]));
            }
        });
        for (int g = 0; g < groups; g++)
        {
            for (int w = 0; w < words; w++)
            {
                int word = qzeros[g * words + w];
                for (int j = 0; j < 8; j++) matrix.Zeros[(long)(8 * w + j) * groups + g] = (byte)Nibble(word, ReverseOrder[j]);
            }
            for (int n = 0; n < outFeatures; n++)
            {
                Half scale = scales[g * outFeatures + n];
                if (!Half.IsFinite(scale)) throw new ArgumentException($"AWQ scale of output {n}, group {g} is {scale}; scales must be finite");
                matrix.Scales[(long)n * groups + g] = scale; // kept as the f16 the checkpoint stores
            }
        }
        return matrix;
    }

    private static int Nibble(int word, int index) => (word >>> (4 * index)) & 0xF;
}
