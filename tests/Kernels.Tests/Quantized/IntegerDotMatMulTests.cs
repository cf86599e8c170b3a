// PruneVid.NET — kernel tests: the tiled layout and the integer dot-product matmul against their references.
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;
using PruneVid.Kernels.Quantized;

namespace PruneVid.Kernels.Tests.Quantized;

/// <summary>
/// <see cref="QuantizedTiles"/> must hold exactly the matrix's weights; <see cref="IntegerDotMatMul.Run"/> must equal its
/// reference bit for bit (same integers, same float steps in the same order) at odd shapes (N not a multiple of 16,
/// K not a multiple of 32, M mixing the four-row and one-row micro-kernels); and the reference must differ from the
/// exact f32 product by no more than activation rounding allows: |Δy| ≤ Σ|w|·step/2 with step = max|x| / 127 of each
/// 32-column block, plus 1e-5 of Σ|x·w| for f32 summation.
/// </summary>
public sealed class IntegerDotMatMulTests
{
    public static TheoryData<int, int, int, int, int, bool> Shapes => new()
    {
        // bits, m, n, k, group size, one zero point for every group (the symmetric formats) or one per group (AWQ)
        { 4, 1, 7, 37, 32, false },
        { 4, 1, 33, 232, 32, true },
        { 4, 2, 48, 200, 64, false },
        { 8, 1, 17, 300, 128, true },
        { 8, 3, 16, 128, 32, false },
        { 4, 4, 65, 96, 32, true },
        { 4, 5, 33, 200, 32, false },
        { 8, 8, 40, 160, 64, true },
        { 4, 9, 300, 70, 32, true },
        { 8, 13, 260, 33, 128, false },
        // Decode-shaped calls over many tiles: the cores claim ranges of shrinking size from a shared counter, so every
        // tile must be written exactly once (accumulate catches a tile done twice) whichever core claims it.
        { 4, 1, 16 * 97 + 5, 64, 32, true },
        { 8, 2, 16 * 61 + 11, 96, 32, false },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void TilesHoldTheMatrixWeights(int bits, int m, int n, int k, int groupSize, bool sharedZero)
    {
        _ = m;
        QuantizedMatrix matrix = Case(bits, 1, n, k, groupSize, sharedZero).W;
        QuantizedTiles tiles = QuantizedTiles.From(matrix);
        int paddingRows = tiles.TileCount * QuantizedTiles.TileRows - n;
        // Tiles hold the matrix's bytes plus padding rows, less the zero bytes when one zero point serves every group.
        long zeroBytes = sharedZero ? (long)n * matrix.Groups : -(long)paddingRows * matrix.Groups;
        Assert.Equal(matrix.ByteCount, tiles.ByteCount - 2L * paddingRows * matrix.Groups - (long)paddingRows * matrix.RowBytes + zeroBytes);
        Assert.Equal(sharedZero ? matrix.Zeros[0] : -1, tiles.SharedZero);
        Assert.Equal(sharedZero, tiles.Zeros.Length == 0);
        for (int r = 0; r < n; r++)
            for (int c = 0; c < k; c++)
            {
                Assert.Equal(matrix.Code(r, c), tiles.Code(r, c));
                Assert.Equal(matrix.Dequantize(r, c), tiles.Dequantize(r, c));
            }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void TheKernelEqualsItsReferenceBitForBit(int bits, int m, int n, int k, int groupSize, bool sharedZero)
    {
        if (!IntegerDotMatMul.IsSupported) return; // the kernel needs AVX-512BW; the Cpu backend then keeps the f32 paths
        var (x, matrix, bias) = Case(bits, m, n, k, groupSize, sharedZero);
        QuantizedTiles tiles = QuantizedTiles.From(matrix);
        // 8-bit blocks have two instruction paths where the processor has AVX-VNNI: run both.
        bool[] vnniSettings = bits == 8 && System.Runtime.Intrinsics.X86.AvxVnni.IsSupported ? [true, false] : [IntegerDotMatMul.UseAvxVnni];
        try
        {
            foreach (bool vnni in vnniSettings)
            {
                IntegerDotMatMul.UseAvxVnni = vnni;
                foreach (bool accumulate in new[] { false, true })
                    foreach (bool withBias in new[] { false, true })
                    {
                        float[] expected = Numerics.Uniform(5, m * n), actual = (float[])expected.Clone();
                        IntegerDotMatMul.Reference(x, tiles, withBias ? bias : default, expected, m, accumulate);
                        IntegerDotMatMul.Run(x, tiles, withBias ? bias : default, actual, m, accumulate);
                        for (int i = 0; i < expected.Length; i++)
                            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                                Assert.Fail($"bits={bits} [{m},{n},{k}] G={groupSize} sharedZero={sharedZero} vnni={vnni} accumulate={accumulate} bias={withBias}: y[{i / n},{i % n}] = {actual[i]:R}, reference {expected[i]:R}");
                    }
            }
        }
        finally { IntegerDotMatMul.UseAvxVnni = System.Runtime.Intrinsics.X86.AvxVnni.IsSupported; }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void TheReferenceDiffersFromTheExactProductOnlyByActivationRounding(int bits, int m, int n, int k, int groupSize, bool sharedZero)
    {
        var (x, matrix, bias) = Case(bits, m, n, k, groupSize, sharedZero);
        float[] exact = new float[m * n], rounded = new float[m * n];
        QuantizedMatMul.Reference(x, matrix, bias, exact, m, accumulate: false);
        IntegerDotMatMul.Reference(x, QuantizedTiles.From(matrix), bias, rounded, m, accumulate: false);
        double worst = 0;
        for (int i = 0; i < m; i++)
            for (int r = 0; r < n; r++)
            {
                double bound = 1e-5, magnitude = 0;
                for (int c = 0; c < k; c++)
                {
                    int b0 = c / 32 * 32;
                    float max = 0;
                    for (int j = b0; j < Math.Min(k, b0 + 32); j++) max = MathF.Max(max, MathF.Abs(x[i * k + j]));
                    bound += Math.Abs(matrix.Dequantize(r, c)) * max / 127 / 2;
                    magnitude += Math.Abs(x[i * k + c] * matrix.Dequantize(r, c));
                }
                bound += 1e-5 * magnitude;
                double diff = Math.Abs(exact[i * n + r] - rounded[i * n + r]);
                worst = Math.Max(worst, diff / bound);
                if (diff > bound) Assert.Fail($"bits={bits} [{m},{n},{k}] G={groupSize}: y[{i},{r}] = {rounded[i * n + r]:R}, exact {exact[i * n + r]:R}, bound {bound:G4}");
            }
        Assert.True(worst > 0, "rounding x to int8 must change some output, or the test compares a path with itself");
    }

    [Fact]
    public unsafe void CodesOfTwoMegabytesAndMoreStartOnAHugePageAndGiveTheSameResults()
    {
        // 65 tiles × 65 blocks × 512 bytes = 2.06 MiB of 8-bit codes: the size from which codes are placed for huge pages.
        var (x, matrix, bias) = Case(8, 2, 1030, 2080, 32);
        QuantizedTiles tiles = QuantizedTiles.From(matrix);
        Assert.True(tiles.Codes.Length >= 2 << 20);
        fixed (byte* codes = tiles.Codes) Assert.Equal(0u, (nuint)codes % (2u << 20));
        for (int r = 0; r < 1030; r += 97)
            for (int c = 0; c < 2080; c += 13) Assert.Equal(matrix.Code(r, c), tiles.Code(r, c));
        if (!IntegerDotMatMul.IsSupported) return;
        float[] expected = new float[2 * 1030], actual = new float[2 * 1030];
        IntegerDotMatMul.Reference(x, tiles, bias, expected, 2, accumulate: false);
        IntegerDotMatMul.Run(x, tiles, bias, actual, 2, accumulate: false);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void AllZeroActivationsGiveTheBias()
    {
        var (_, matrix, bias) = Case(4, 2, 20, 64, 32);
        float[] y = new float[2 * 20];
        QuantizedTiles tiles = QuantizedTiles.From(matrix);
        if (IntegerDotMatMul.IsSupported) IntegerDotMatMul.Run(new float[2 * 64], tiles, bias, y, 2, accumulate: false);
        else IntegerDotMatMul.Reference(new float[2 * 64], tiles, bias, y, 2, accumulate: false);
        for (int i = 0; i < y.Length; i++) Assert.Equal(bias[i % 20], y[i]);
    }

    [Theory]
    [InlineData(4, 3, 37, 200)]
    [InlineData(8, 9, 40, 160)]
    public void TheCpuBackendUsesTheLayoutItsActivationSettingNeeds(int bits, int m, int n, int k)
    {
        var (x, matrix, bias) = Case(bits, m, n, k, 32);
        foreach (PackedActivations setting in IntegerDotMatMul.IsSupported ? new[] { PackedActivations.Int8, PackedActivations.F32 } : new[] { PackedActivations.F32 })
        {
            var backend = new CpuBackend { PackedActivations = setting };
            using Tensor w = backend.FromQuantized(matrix), tx = backend.FromF32(x, m, k), tb = backend.FromF32(bias, n), y = backend.Allocate(DType.F32, m, n);
            var packed = (CpuQuantizedTensor)w;
            Assert.Equal(setting == PackedActivations.Int8, packed.Tiles is not null);
            Assert.Equal(setting == PackedActivations.F32, packed.Matrix is not null);
            backend.MatMul(tx, w, tb, y);
            float[] expected = new float[m * n], actual = new float[m * n];
            if (setting == PackedActivations.Int8) IntegerDotMatMul.Reference(x, packed.Tiles!, bias, expected, m, accumulate: false);
            else QuantizedMatMul.Reference(x, matrix, bias, expected, m, accumulate: false);
            backend.CopyToHost(y, actual);
            for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4f * (1 + Math.Abs(expected[i])), $"{setting}: y[{i}] = {actual[i]}, reference {expected[i]}");
        }
    }

    /// <summary>
    /// Fused products (a layer's q/k/v, gate/up) through the backend's Project: each output equal, bit for bit, to the
    /// reference of its own product; shapes with partial tiles and blocks, one or two biases, decode and prefill rows.
    /// </summary>
    [Theory]
    [InlineData(4, 1, new[] { 70, 17, 17 }, 200, 32)]
    [InlineData(4, 6, new[] { 33, 300 }, 96, 32)]
    [InlineData(8, 1, new[] { 48, 16, 16 }, 300, 128)]
    [InlineData(8, 5, new[] { 260, 40 }, 160, 64)]
    [InlineData(4, 1, new[] { 16 * 83 + 1, 130, 130 }, 64, 32)]
    public void ProjectWithPackedWeightsEqualsEachProductsReference(int bits, int m, int[] rows, int k, int groupSize)
    {
        if (!IntegerDotMatMul.IsSupported) return; // the fused pass is the integer kernel's
        var backend = new CpuBackend { PackedActivations = PackedActivations.Int8 };
        float[] x = Numerics.Uniform(m + k, m * k);
        var cases = rows.Select((n, i) => Case(bits, 1, n, k, groupSize, sharedZero: i == 1)).ToArray();
        using Tensor tx = backend.FromF32(x, m, k);
        var weights = cases.Select(c => backend.FromQuantized(c.W)).ToArray();
        var biases = cases.Select((c, i) => i == 1 ? null : backend.FromF32(c.Bias, c.W.Rows)).ToArray();
        var outputs = rows.Select(n => backend.Allocate(DType.F32, m, n)).ToArray();
        try
        {
            backend.Project(tx, rows.Select((_, i) => new Projection(weights[i], biases[i], outputs[i])).ToArray());
            for (int i = 0; i < rows.Length; i++)
            {
                float[] expected = new float[m * rows[i]], actual = new float[m * rows[i]];
                IntegerDotMatMul.Reference(x, ((CpuQuantizedTensor)weights[i]).Tiles!, i == 1 ? default : cases[i].Bias, expected, m, accumulate: false);
                backend.CopyToHost(outputs[i], actual);
                for (int j = 0; j < expected.Length; j++)
                    if (BitConverter.SingleToInt32Bits(expected[j]) != BitConverter.SingleToInt32Bits(actual[j]))
                        Assert.Fail($"projection {i}: y[{j / rows[i]},{j % rows[i]}] = {actual[j]:R}, reference {expected[j]:R}");
            }
        }
        finally
        {
            foreach (Tensor t in weights.Concat(outputs).Concat(biases.OfType<Tensor>())) t.Dispose();
        }
    }

    [Fact]
    public void FusedProductsRefuseWeightsThatCannotShareOneRoundedInput()
    {
        QuantizedTiles a = QuantizedTiles.From(Case(4, 1, 16, 64, 32).W), b = QuantizedTiles.From(Case(4, 1, 16, 64, 64).W);
        var e = Assert.Throws<ArgumentException>(() => IntegerDotMatMul.RunProducts(new float[64], 1, a, default, new float[16], b, default, new float[16], null, default, default));
        Assert.Contains("cannot share one rounded x", e.Message);
    }

    [Fact]
    public void TheSettingDefaultsToInt8WhereTheKernelRunsAndHonoursTheEnvironment()
    {
        Assert.Equal(IntegerDotMatMul.IsSupported ? PackedActivations.Int8 : PackedActivations.F32, CpuBackend.PackedActivationsByDefault(null));
        Assert.Equal(PackedActivations.F32, CpuBackend.PackedActivationsByDefault("f32"));
        Assert.Equal(PackedActivations.F32, CpuBackend.PackedActivationsByDefault("F32"));
    }

    private static (float[] X, QuantizedMatrix W, float[] Bias) Case(int bits, int m, int n, int k, int groupSize, bool sharedZero = false)
    {
        // Any code, zero point and f16 scale of either sign the format allows (the quantizers' choices are a subset;
        // ggml-style int4 scales are negative for groups whose largest weight is positive).
        var random = new Random(bits + 31 * n + k + groupSize);
        var matrix = new QuantizedMatrix(bits, n, k, groupSize);
        int zero = random.Next(1 << bits);
        for (int r = 0; r < n; r++)
        {
            for (int c = 0; c < k; c++) matrix.SetCode(r, c, random.Next(1 << bits));
            for (int g = 0; g < matrix.Groups; g++)
                matrix.SetGroup(r, g, (random.Next(2) == 0 ? 1 : -1) * (0.001f + 0.05f * random.NextSingle()), sharedZero ? zero : random.Next(1 << bits));
        }
        float[] x = Numerics.Uniform(m + 7 * k, m * k);
        // A few outliers, as real activations have: they set their block's step.
        for (int i = 0; i < x.Length; i += 37) x[i] *= 9;
        return (x, matrix, Numerics.Uniform(n, n));
    }
}
