// PruneVid.NET — kernel tests.
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Compute;
using PruneVid.Kernels.Tests.Accelerators;

namespace PruneVid.Kernels.Tests.MatMul;

/// <summary>
/// The emulated warp instructions of <see cref="TensorCore"/> against plain models of the PTX ISA's definitions, on a
/// CPU accelerator with 32-lane warps: every lane, every register, bit for bit.
/// </summary>
public sealed class TensorCoreTests(Warp32CpuAcceleratorFixture fixture) : IClassFixture<Warp32CpuAcceleratorFixture>
{
    private const int Lanes = 32;
    private Accelerator Accelerator => fixture.Runtime.Accelerator;

    // The ISA's fragment layouts, written out per lane and register (g = lane / 4, t = lane % 4).
    private static (int Row, int Col) AElement(int lane, int index)
        => ((lane >> 2) + 8 * ((index >> 1) & 1), 2 * (lane & 3) + (index & 1) + 8 * (index >> 2));

    private static (int K, int N) BElement(int lane, int index) => (2 * (lane & 3) + (index & 1) + 8 * (index >> 1), lane >> 2);

    private static (int Row, int Col) CElement(int lane, int index) => ((lane >> 2) + 8 * (index >> 1), 2 * (lane & 3) + (index & 1));

    [Fact]
    public void MmaFallbackMatchesTheInstructionOnEveryLaneAndRegister()
    {
        ushort[] a = Numerics.UniformBf16(11, 16 * 16, -2f, 2f), b = Numerics.UniformBf16(12, 16 * 8, -2f, 2f);
        float[] c = Numerics.Uniform(13, 16 * 8);
        var aRegs = new uint[Lanes * 4];
        var bRegs = new uint[Lanes * 2];
        var cRegs = new float[Lanes * 4];
        for (int lane = 0; lane < Lanes; lane++)
        {
            for (int r = 0; r < 4; r++)
            {
                var (row0, col0) = AElement(lane, 2 * r);
                var (row1, col1) = AElement(lane, 2 * r + 1);
                aRegs[lane * 4 + r] = TensorCore.Pack(a[row0 * 16 + col0], a[row1 * 16 + col1]);
                var (cr, cc) = CElement(lane, r);
                cRegs[lane * 4 + r] = c[cr * 8 + cc];
            }
            for (int r = 0; r < 2; r++)
            {
                var (k0, n0) = BElement(lane, 2 * r);
                var (k1, n1) = BElement(lane, 2 * r + 1);
                bRegs[lane * 2 + r] = TensorCore.Pack(b[k0 * 8 + n0], b[k1 * 8 + n1]);
            }
        }

        // D = A·B + C, the products added to C in k order with f32 rounding after each add.
        var d = new float[16 * 8];
        for (int row = 0; row < 16; row++)
            for (int n = 0; n < 8; n++)
            {
                float acc = c[row * 8 + n];
                for (int k = 0; k < 16; k++) acc += Bf16.ToSingle(a[row * 16 + k]) * Bf16.ToSingle(b[k * 8 + n]);
                d[row * 8 + n] = acc;
            }

        using var aBuffer = Accelerator.Allocate1D(aRegs);
        using var bBuffer = Accelerator.Allocate1D(bRegs);
        using var cBuffer = Accelerator.Allocate1D(cRegs);
        using var dBuffer = Accelerator.Allocate1D<float>(Lanes * 4);
        var kernel = Accelerator.LoadStreamKernel<ArrayView<uint>, ArrayView<uint>, ArrayView<float>, ArrayView<float>>(MmaProbe);
        kernel(new KernelConfig(1, Lanes), aBuffer.View, bBuffer.View, cBuffer.View, dBuffer.View);
        float[] dRegs = dBuffer.GetAsArray1D();

        for (int lane = 0; lane < Lanes; lane++)
            for (int r = 0; r < 4; r++)
            {
                var (row, col) = CElement(lane, r);
                Assert.True(BitConverter.SingleToInt32Bits(d[row * 8 + col]) == BitConverter.SingleToInt32Bits(dRegs[lane * 4 + r]),
                    $"lane {lane} d{r} (row {row}, col {col}) is {dRegs[lane * 4 + r]:R}, expected {d[row * 8 + col]:R}");
            }
    }

    public static TheoryData<int, bool> LoadMatrixVariants() => new()
    {
        { 1, false }, { 1, true }, { 2, false }, { 2, true }, { 4, false }, { 4, true },
    };

    [Theory]
    [MemberData(nameof(LoadMatrixVariants))]
    public void LoadMatrixFallbackMatchesTheInstructionOnEveryLaneAndRegister(int matrices, bool transposed)
    {
        // 32 candidate rows of 8 words, 16-word stride; each lane names a row in a shuffled order, so a register must come
        // from the row the right lane addressed.
        ushort[] memory = Numerics.UniformBf16(21, SharedWords, -4f, 4f);
        int[] rows = Enumerable.Range(0, Lanes).Select(r => r * RowStride).OrderBy(r => (r * 7919) % 101).ToArray();
        using var memoryBuffer = Accelerator.Allocate1D(memory);
        using var rowsBuffer = Accelerator.Allocate1D(rows);
        using var output = Accelerator.Allocate1D<uint>(Lanes * 4);
        var kernel = Accelerator.LoadStreamKernel<ArrayView<ushort>, ArrayView<int>, ArrayView<uint>, int>(LoadMatrixProbe);
        kernel(new KernelConfig(1, Lanes), memoryBuffer.View, rowsBuffer.View, output.View, Variant(matrices, transposed));
        uint[] registers = output.GetAsArray1D();

        for (int lane = 0; lane < Lanes; lane++)
            for (int j = 0; j < matrices; j++)
            {
                // Matrix j's row r starts where lane 8j + r pointed.
                int RowStart(int r) => rows[8 * j + r];
                uint expected = transposed
                    ? TensorCore.Pack(memory[RowStart(2 * (lane & 3)) + (lane >> 2)], memory[RowStart(2 * (lane & 3) + 1) + (lane >> 2)])
                    : TensorCore.Pack(memory[RowStart(lane >> 2) + 2 * (lane & 3)], memory[RowStart(lane >> 2) + 2 * (lane & 3) + 1]);
                Assert.True(expected == registers[lane * 4 + j],
                    $"x{matrices}{(transposed ? ".trans" : "")}: lane {lane} register {j} is 0x{registers[lane * 4 + j]:X8}, expected 0x{expected:X8}");
            }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LoadMatrixFragmentsFeedMmaToTheMatrixProduct(bool bStoredKByN)
    {
        // A (16×16 row-major) through ldmatrix.x4; B either as w[n][k] (ldmatrix.x2) or as v[k][n] (ldmatrix.x2.trans),
        // the two layouts of the GEMM's weights and of attention's values. The warp's D must be A·B exactly.
        ushort[] a = Numerics.UniformBf16(31, 16 * 16, -2f, 2f), b = Numerics.UniformBf16(32, 16 * 8, -2f, 2f); // b[k*8+n]
        ushort[] bStored = bStoredKByN ? b : Enumerable.Range(0, 8 * 16).Select(i => b[(i % 16) * 8 + i / 16]).ToArray();
        using var aBuffer = Accelerator.Allocate1D(a);
        using var bBuffer = Accelerator.Allocate1D(bStored);
        using var dBuffer = Accelerator.Allocate1D<float>(16 * 8);
        var kernel = Accelerator.LoadStreamKernel<ArrayView<ushort>, ArrayView<ushort>, ArrayView<float>, int>(FragmentProductProbe);
        kernel(new KernelConfig(1, Lanes), aBuffer.View, bBuffer.View, dBuffer.View, bStoredKByN ? 1 : 0);
        float[] d = dBuffer.GetAsArray1D();

        for (int row = 0; row < 16; row++)
            for (int n = 0; n < 8; n++)
            {
                float acc = 0f;
                for (int k = 0; k < 16; k++) acc += Bf16.ToSingle(a[row * 16 + k]) * Bf16.ToSingle(b[k * 8 + n]);
                Assert.True(BitConverter.SingleToInt32Bits(acc) == BitConverter.SingleToInt32Bits(d[row * 8 + n]),
                    $"D[{row},{n}] is {d[row * 8 + n]:R}, expected {acc:R}");
            }
    }

    [Fact]
    public void CopyAsyncFallbackCopiesTheValidWordsAndZeroFillsTheRest()
    {
        ushort[] source = Enumerable.Range(1, 2 * Lanes + 8).Select(i => (ushort)i).ToArray();
        using var sourceBuffer = Accelerator.Allocate1D(source);
        using var output = Accelerator.Allocate1D<ushort>(Lanes * 8);
        var kernel = Accelerator.LoadStreamKernel<ArrayView<ushort>, long, ArrayView<ushort>>(CopyAsyncProbe);
        kernel(new KernelConfig(1, Lanes), sourceBuffer.View, ((ArrayView<ushort>)sourceBuffer.View).LoadEffectiveAddressAsPtr().ToInt64(), output.View);
        ushort[] copied = output.GetAsArray1D();
        for (int lane = 0; lane < Lanes; lane++)
            for (int i = 0; i < 8; i++)
            {
                // Lane L copies source[2L..] with L % 9 valid words.
                ushort expected = i < lane % 9 ? source[2 * lane + i] : (ushort)0;
                Assert.Equal(expected, copied[lane * 8 + i]);
            }
    }

    private const int RowStride = 16, SharedWords = Lanes * RowStride;

    private static int Variant(int matrices, bool transposed) => matrices * 2 + (transposed ? 1 : 0);

    private static void MmaProbe(ArrayView<uint> a, ArrayView<uint> b, ArrayView<float> c, ArrayView<float> d)
    {
        int lane = Warp.LaneIdx;
        var fa = new FragmentA { R0 = a[lane * 4], R1 = a[lane * 4 + 1], R2 = a[lane * 4 + 2], R3 = a[lane * 4 + 3] };
        var fb = new FragmentB { R0 = b[lane * 2], R1 = b[lane * 2 + 1] };
        var fc = new Accumulator { C0 = c[lane * 4], C1 = c[lane * 4 + 1], C2 = c[lane * 4 + 2], C3 = c[lane * 4 + 3] };
        Accumulator fd = TensorCore.Mma(fa, fb, fc);
        d[lane * 4] = fd.C0;
        d[lane * 4 + 1] = fd.C1;
        d[lane * 4 + 2] = fd.C2;
        d[lane * 4 + 3] = fd.C3;
    }

    private static void LoadMatrixProbe(ArrayView<ushort> memory, ArrayView<int> rows, ArrayView<uint> output, int variant)
    {
        ArrayView<ushort> tile = SharedMemory.Allocate<ushort>(SharedWords);
        int lane = Warp.LaneIdx;
        for (int i = lane; i < SharedWords; i += Lanes) tile[i] = memory[i];
        Group.Barrier();
        int row = rows[lane];
        uint r0 = 0, r1 = 0, r2 = 0, r3 = 0;
        if (variant == 2) r0 = TensorCore.LoadMatrixX1(tile, row);
        else if (variant == 3) r0 = TensorCore.LoadMatrixX1Trans(tile, row);
        else if (variant == 4 || variant == 5)
        {
            FragmentB f = variant == 4 ? TensorCore.LoadMatrixX2(tile, row) : TensorCore.LoadMatrixX2Trans(tile, row);
            r0 = f.R0;
            r1 = f.R1;
        }
        else
        {
            FragmentA f = variant == 8 ? TensorCore.LoadMatrixX4(tile, row) : TensorCore.LoadMatrixX4Trans(tile, row);
            r0 = f.R0;
            r1 = f.R1;
            r2 = f.R2;
            r3 = f.R3;
        }
        output[lane * 4] = r0;
        output[lane * 4 + 1] = r1;
        output[lane * 4 + 2] = r2;
        output[lane * 4 + 3] = r3;
    }

    private static void FragmentProductProbe(ArrayView<ushort> a, ArrayView<ushort> b, ArrayView<float> d, int bStoredKByN)
    {
        // Shared rows padded to 24 words (48 bytes: 16-byte aligned, as ldmatrix needs).
        const int Stride = 24;
        ArrayView<ushort> tiles = SharedMemory.Allocate<ushort>(2 * 16 * Stride);
        int lane = Warp.LaneIdx;
        for (int i = lane; i < 16 * 16; i += Lanes) tiles[(i / 16) * Stride + i % 16] = a[i];
        // B as stored: k-major 16 rows of 8 words, or n-major 8 rows of 16 words.
        for (int i = lane; i < 16 * 8; i += Lanes)
        {
            if (bStoredKByN != 0) tiles[16 * Stride + (i / 8) * Stride + i % 8] = b[i];
            else tiles[16 * Stride + (i / 16) * Stride + i % 16] = b[i];
        }
        Group.Barrier();
        FragmentA fa = TensorCore.LoadMatrixX4(tiles, (lane & 15) * Stride + 8 * (lane >> 4));
        FragmentB fb = bStoredKByN != 0
            ? TensorCore.LoadMatrixX2Trans(tiles, 16 * Stride + (lane & 15) * Stride)
            : TensorCore.LoadMatrixX2(tiles, 16 * Stride + (lane & 7) * Stride + 8 * ((lane >> 3) & 1));
        Accumulator c = TensorCore.Mma(fa, fb, default);
        int g = lane >> 2, t = lane & 3;
        d[g * 8 + 2 * t] = c.C0;
        d[g * 8 + 2 * t + 1] = c.C1;
        d[(g + 8) * 8 + 2 * t] = c.C2;
        d[(g + 8) * 8 + 2 * t + 1] = c.C3;
    }

    private static void CopyAsyncProbe(ArrayView<ushort> source, long sourceAddress, ArrayView<ushort> output)
    {
        ArrayView<ushort> shared = SharedMemory.Allocate<ushort>(Lanes * 8);
        int lane = Warp.LaneIdx;
        TensorCore.CopyAsync16(shared, lane * 8, source, sourceAddress, 2 * lane, lane % 9);
        TensorCore.CommitAsyncCopies();
        TensorCore.WaitAsyncCopies(0);
        Group.Barrier();
        for (int i = 0; i < 8; i++) output[lane * 8 + i] = shared[lane * 8 + i];
    }
}
