// PruneVid.NET — quantized weights: a packed [N, K] matrix of 4- or 8-bit codes with per-group scales and zero points.
namespace PruneVid.Kernels.Quantized;

/// <summary>
/// A weight matrix in PyTorch's <c>Linear</c> layout [N = out, K = in], stored as unsigned codes q with one scale s and
/// one zero point z per row and group of <see cref="GroupSize"/> columns: w = (q − z)·s, computed in f32 (exact: q − z
/// is a small integer and s an f16 or f32 value, so the product needs at most 24 significant bits).
/// </summary>
/// <remarks>
/// Each row is a run of 32-weight blocks (the last one zero-padded). An 8-bit block is 32 bytes, one code per byte.
/// A 4-bit block is 16 bytes: byte j holds weight j in its low nibble and weight j + 16 in its high nibble, so one
/// 16-byte load, a mask and a shift give the block's two halves in order, each widened straight into 16 f32 lanes
/// (no shuffle). That is why AWQ's [in, out/8] words are repacked once at load: their nibbles run along the output
/// dimension, and a row-major dot product would have to gather them. Scales are f16 (AWQ's own scales are f16, and
/// llama.cpp's Q4_0/Q8_0 blocks carry f16 scales too) and zero points one byte (0.59 bytes per weight with 32-weight
/// int4 groups; the Cpu tiles drop the zero bytes where one zero point serves every group, as in Q4_0's 0.5625). The kernels widen a row's scales to f32
/// in registers (<see cref="HalfScales"/>), exactly.
/// </remarks>
public sealed class QuantizedMatrix
{
    /// <summary>Weights per block; group sizes are multiples of it, so a block never straddles two groups.</summary>
    public const int Block = 32;

    /// <summary>An empty matrix of <paramref name="rows"/> × <paramref name="columns"/> with the given code width and group size.</summary>
    public QuantizedMatrix(int bits, int rows, int columns, int groupSize)
    {
        if (bits is not (4 or 8)) throw new ArgumentOutOfRangeException(nameof(bits), bits, "codes are 4 or 8 bits wide");
        if (rows <= 0 || columns <= 0) throw new ArgumentOutOfRangeException(nameof(rows), $"a quantized matrix needs a positive shape, got [{rows},{columns}]");
        if (groupSize <= 0 || groupSize % Block != 0)
            throw new ArgumentOutOfRangeException(nameof(groupSize), groupSize, $"the group size must be a positive multiple of {Block}");
        Bits = bits;
        Rows = rows;
        Columns = columns;
        GroupSize = groupSize;
        Groups = (columns + groupSize - 1) / groupSize;
        BlocksPerRow = (columns + Block - 1) / Block;
        RowBytes = BlocksPerRow * Block * bits / 8;
        Codes = new byte[checked((long)RowBytes * rows)];
        Scales = new Half[checked((long)Groups * rows)];
        Zeros = new byte[Scales.Length];
    }

    /// <summary>Code width: 4 or 8.</summary>
    public int Bits { get; }

    /// <summary>N: output features.</summary>
    public int Rows { get; }

    /// <summary>K: input features.</summary>
    public int Columns { get; }

    /// <summary>Columns sharing one scale and zero point.</summary>
    public int GroupSize { get; }

    /// <summary>Groups per row (the last one may be short).</summary>
    public int Groups { get; }

    /// <summary>32-weight blocks per row (the last one zero-padded).</summary>
    public int BlocksPerRow { get; }

    /// <summary>Bytes of codes per row.</summary>
    public int RowBytes { get; }

    /// <summary>The packed codes, <see cref="RowBytes"/> per row.</summary>
    public byte[] Codes { get; }

    /// <summary>Scales [N, <see cref="Groups"/>], f16.</summary>
    public Half[] Scales { get; }

    /// <summary>Zero points [N, <see cref="Groups"/>], one unsigned byte each (a code value).</summary>
    public byte[] Zeros { get; }

    /// <summary>Bytes held: codes, f16 scales and byte zero points.</summary>
    public long ByteCount => Codes.LongLength + 3L * Scales.LongLength;

    /// <summary>Sets the scale and zero point of (row, group); the scale is rounded to f16 and returned as the f32 the kernels use.</summary>
    public float SetGroup(int row, int group, float scale, int zero)
    {
        if ((uint)zero >= 1u << Bits) throw new ArgumentOutOfRangeException(nameof(zero), zero, $"a {Bits}-bit zero point is 0..{(1 << Bits) - 1}");
        Half half = (Half)scale;
        if (!Half.IsFinite(half)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "a scale must be a finite f16 value");
        long at = (long)row * Groups + group;
        Scales[at] = half;
        Zeros[at] = (byte)zero;
        return HalfScales.ToSingle(BitConverter.HalfToUInt16Bits(half));
    }

    /// <summary>
    /// Row <paramref name="row"/>'s scales as f32 and −z·s per group (both exact: z·s needs at most 19 significant
    /// bits), the per-row constants of the kernels' (q − z)·s = q·s + (−z·s).
    /// </summary>
    public void WidenRowGroups(int row, Span<float> scales, Span<float> negZeroScales)
    {
        long at = (long)row * Groups;
        HalfScales.Widen(Scales.AsSpan((int)at, Groups), scales);
        HalfScales.NegativeProducts(Zeros.AsSpan((int)at, Groups), scales, negZeroScales);
    }

    /// <summary>The code of (row, column).</summary>
    public int Code(int row, int column)
    {
        long rowStart = (long)row * RowBytes;
        if (Bits == 8) return Codes[rowStart + column];
        int block = column / Block, j = column % Block;
        byte pair = Codes[rowStart + block * (Block / 2) + (j & 15)];
        return j < 16 ? pair & 15 : pair >> 4;
    }

    /// <summary>Sets the code of (row, column); it must fit the code width.</summary>
    public void SetCode(int row, int column, int code)
    {
        if ((uint)code >= 1u << Bits) throw new ArgumentOutOfRangeException(nameof(code), code, $"a {Bits}-bit code is 0..{(1 << Bits) - 1}");
        long rowStart = (long)row * RowBytes;
        if (Bits == 8)
        {
            Codes[rowStart + column] = (byte)code;
            return;
        }
        int block = column / Block, j = column % Block;
        ref byte pair = ref Codes[rowStart + block * (Block / 2) + (j & 15)];
        pair = j < 16 ? (byte)((pair & 0xF0) | code) : (byte)((pair & 0x0F) | (code << 4));
    }

    /// <summary>w(row, column) = (q − z)·s.</summary>
    public float Dequantize(int row, int column)
    {
        long at = (long)row * Groups + column / GroupSize;
        return (Code(row, column) - Zeros[at]) * HalfScales.ToSingle(BitConverter.HalfToUInt16Bits(Scales[at]));
    }

    /// <summary>Row <paramref name="row"/> dequantized into <paramref name="destination"/> (<see cref="Columns"/> values).</summary>
    public void DequantizeRow(int row, Span<float> destination)
    {
        for (int c = 0; c < Columns; c++) destination[c] = Dequantize(row, c);
    }
}
