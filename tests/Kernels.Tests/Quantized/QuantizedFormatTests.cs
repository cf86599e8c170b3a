// PruneVid.NET — kernel tests: the packed weight formats (AWQ unpacking, quantize-on-load).
using PruneVid.Kernels.Quantized;

namespace PruneVid.Kernels.Tests.Quantized;

/// <summary>AWQ words read back as AutoAWQ packed them, and quantize-on-load rounding within half a step.</summary>
public sealed class QuantizedFormatTests
{
    /// <summary>AutoAWQ's <c>WQLinear_GEMM.from_linear</c>: nibble i of word col holds column col·8 + AWQ_ORDER[i].</summary>
    private static readonly int[] AwqOrder = [0, 2, 4, 6, 1, 3, 5, 7];

    private static int[] PackAsAutoAwq(int[,] intweight)
    {
        int rows = intweight.GetLength(0), words = intweight.GetLength(1) / 8;
        var packed = new int[rows * words];
        for (int r = 0; r < rows; r++)
            for (int col = 0; col < words; col++)
                for (int i = 0; i < 8; i++) packed[r * words + col] |= intweight[r, col * 8 + AwqOrder[i]] << (i * 4);
        return packed;
    }

    [Fact]
    public void AwqUnpackingReadsTheCodesAutoAwqPacked()
    {
        const int inFeatures = 64, outFeatures = 24, group = 32;
        var random = new Random(3);
        var q = new int[inFeatures, outFeatures]; // AutoAWQ's intweight after .t(): [in, out]
        var z = new int[inFeatures / group, outFeatures];
        for (int k = 0; k < inFeatures; k++) for (int n = 0; n < outFeatures; n++) q[k, n] = random.Next(16);
        for (int g = 0; g < inFeatures / group; g++) for (int n = 0; n < outFeatures; n++) z[g, n] = random.Next(16);
        Half[] scales = Enumerable.Range(0, inFeatures / group * outFeatures).Select(i => (Half)(0.01f * (i + 1))).ToArray();

        QuantizedMatrix m = AwqPacking.Unpack(PackAsAutoAwq(q), PackAsAutoAwq(z), scales, inFeatures, outFeatures, group);

        Assert.Equal((outFeatures, inFeatures, 4), (m.Rows, m.Columns, m.Bits));
        for (int n = 0; n < outFeatures; n++)
            for (int k = 0; k < inFeatures; k++)
            {
                Assert.Equal(q[k, n], m.Code(n, k));
                float expected = (q[k, n] - z[k / group, n]) * (float)scales[k / group * outFeatures + n];
                Assert.Equal(expected, m.Dequantize(n, k));
            }
    }

    [Fact]
    public void AwqUnpackingRefusesAGroupSizeThatDoesNotDivideTheInputs()
    {
        var e = Assert.Throws<ArgumentException>(() => AwqPacking.Unpack(new int[48], new int[1], new Half[8], 48, 8, 32));
        Assert.Contains("group size 32 must divide the 48 input features", e.Message);
    }

    [Theory]
    [InlineData(5, 64)]
    [InlineData(3, 300)]
    public void Int8WeightsAreWithinHalfAStepOfTheOriginals(int rows, int columns)
    {
        float[] w = Numerics.Uniform(7 + columns, rows * columns, -0.3f, 0.5f);
        QuantizedMatrix m = WeightQuantizer.Quantize(w, rows, columns, 8);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
            {
                float step = (float)m.Scales[r * m.Groups + c / m.GroupSize];
                Assert.Equal(128, m.Zeros[r * m.Groups + c / m.GroupSize]);
                Assert.True(Math.Abs(m.Dequantize(r, c) - w[r * columns + c]) <= 0.5f * step * (1 + 1e-5f),
                    $"[{r},{c}]: {m.Dequantize(r, c)} for {w[r * columns + c]}, step {step}");
            }
    }

    /// <summary>
    /// ggml's <c>quantize_row_q4_0_ref</c> worked by hand on one block: the weight of largest magnitude is −1.6, so
    /// d = −1.6 / −8 = 0.2 and q = min(15, ⌊w / 0.2 + 8.5⌋): −1.6 → 0, 0 → 8, 0.5 → ⌊11⌋ = 11, 0.55 → ⌊11.25⌋ = 11,
    /// 0.65 → ⌊11.75⌋ = 11, 1.6 → min(15, 16) = 15 (the far side clamps), −0.2 → ⌊7.5⌋ = 7; padding columns get 8.
    /// With the extreme positive instead, d is negative and the codes mirror.
    /// </summary>
    [Fact]
    public void Int4IsGgmlQ4_0()
    {
        float[] row = new float[40];
        (row[0], row[1], row[2], row[3], row[4], row[5], row[6]) = (-1.6f, 0f, 0.5f, 0.55f, 0.65f, 1.6f, -0.2f);
        QuantizedMatrix m = WeightQuantizer.Quantize(row, 1, 40, 4);
        Assert.Equal((32, 8, 8), (m.GroupSize, (int)m.Zeros[0], (int)m.Zeros[1]));
        Assert.Equal((Half)0.2f, m.Scales[0]);
        Assert.Equal(new[] { 0, 8, 11, 11, 11, 15, 7, 8 }, Enumerable.Range(0, 8).Select(c => m.Code(0, c)));
        Assert.Equal((Half)0f, m.Scales[1]); // the second group (8 columns, all zero)
        Assert.All(Enumerable.Range(32, 8), c => Assert.Equal(8, m.Code(0, c)));

        for (int c = 0; c < 7; c++) row[c] = -row[c];
        m = WeightQuantizer.Quantize(row, 1, 40, 4);
        Assert.Equal((Half)(-0.2f), m.Scales[0]);
        Assert.Equal(new[] { 0, 8, 11, 11, 11, 15, 7 }, Enumerable.Range(0, 7).Select(c => m.Code(0, c)));
    }

    [Theory]
    [InlineData(5, 70)]
    [InlineData(2, 256)]
    public void Int4WeightsAreWithinHalfAStepOfTheOriginalsExceptTheClampedFarSide(int rows, int columns)
    {
        float[] w = Numerics.Uniform(4 * 7 + columns, rows * columns, -0.3f, 0.5f);
        QuantizedMatrix m = WeightQuantizer.Quantize(w, rows, columns, 4);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
            {
                // The step is |d|, stored in f16 (within 2⁻¹¹ of the f32 d the codes were rounded against, times ≤ 8
                // steps); a weight more than 7.5 steps away on the far side of the extreme one clamps to code 15.
                float d = (float)m.Scales[r * m.Groups + c / m.GroupSize], step = Math.Abs(d), value = w[r * columns + c];
                float allowed = (value / d > 7.5f ? 1f : 0.5f) * step + 8 * step / 2048;
                Assert.True(Math.Abs(m.Dequantize(r, c) - value) <= allowed * (1 + 1e-5f), $"[{r},{c}]: {m.Dequantize(r, c)} for {value}, step {step}");
            }
    }

    [Theory]
    [InlineData(4, 3, 101)]
    [InlineData(8, 2, 300)]
    public void TheGemmPanelDequantizesRowsExactlyAsTheReference(int bits, int rows, int columns)
    {
        QuantizedMatrix m = WeightQuantizer.Quantize(Numerics.Uniform(bits + columns, rows * columns, -0.4f, 0.6f), rows, columns, bits);
        var expected = new float[columns];
        var actual = new float[columns];
        for (int r = 0; r < rows; r++)
        {
            m.DequantizeRow(r, expected);
            CpuQuantizedGemm.DequantizeRow(m, r, actual);
            Assert.Equal(expected, actual); // the same (q − z)·s, computed once per weight in f32
        }
    }

    [Fact]
    public void AnAllZeroGroupQuantizesToZero()
    {
        QuantizedMatrix m = WeightQuantizer.Quantize(new float[2 * 40], 2, 40, 8);
        Assert.All(Enumerable.Range(0, 40), c => Assert.Equal(0f, m.Dequantize(1, c)));
    }
}
