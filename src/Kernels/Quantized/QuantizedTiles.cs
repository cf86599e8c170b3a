// PruneVid.NET — quantized weights: a packed matrix laid out in tiles of 16 rows for integer dot products.
using System.Runtime.Intrinsics;
using PruneVid.Kernels.Cpu;

namespace PruneVid.Kernels.Quantized;

/// <summary>
/// The same codes, scales and zero points as a <see cref="QuantizedMatrix"/> (same bytes per weight), reordered so that
/// one 64-byte load holds 16 rows × a few columns and each 32-bit lane belongs to one row: the integer dot product
/// (<see cref="IntegerDotMatMul"/>) multiplies a whole load by one broadcast group of activation bytes and every lane
/// accumulates its own row's sum — no horizontal reduction, and a group's scale and zero point apply to 16 rows at once.
/// </summary>
/// <remarks>
/// Rows come in tiles of <see cref="TileRows"/> (the last one padded with zero codes, zero scales and zero zero points).
/// A tile holds, per 32-column block, 64-byte chunks: lane r (bytes 4r..4r+3) of a chunk belongs to row r of the tile.
/// A 4-bit block is 4 chunks; byte j of chunk c holds column 8c + j in its low nibble and 8c + 4 + j in its high nibble,
/// so a mask gives the columns 8c..8c+3 of every row and a shift the columns 8c+4..8c+7. An 8-bit block is 8 chunks;
/// byte j of chunk c is column 4c + j. Scales (f16) and zero points (bytes) are stored per tile and group, 16 rows
/// together, so one load gives a group's constants for the whole tile.
/// </remarks>
public sealed class QuantizedTiles
{
    /// <summary>Rows per tile: one 32-bit lane each in a 512-bit register.</summary>
    public const int TileRows = 16;

    /// <summary>Bytes of one 16-row chunk.</summary>
    public const int ChunkBytes = 64;

    private QuantizedTiles(int bits, int rows, int columns, int groupSize, int groups, int blocksPerRow, int sharedZero)
    {
        Bits = bits;
        Rows = rows;
        Columns = columns;
        GroupSize = groupSize;
        Groups = groups;
        BlocksPerRow = blocksPerRow;
        TileCount = (rows + TileRows - 1) / TileRows;
        BlockBytes = TileRows * QuantizedMatrix.Block * bits / 8;
        _codeBytes = checked((int)((long)TileCount * blocksPerRow * BlockBytes));
        _codeStorage = HugePageArray.Allocate(_codeBytes, out _codeStart);
        Scales = new Half[checked((long)TileCount * groups * TileRows)];
        SharedZero = sharedZero;
        Zeros = sharedZero >= 0 ? [] : new byte[Scales.Length];
    }

    private readonly byte[] _codeStorage;
    private readonly int _codeStart, _codeBytes;

    /// <summary>Code width: 4 or 8.</summary>
    public int Bits { get; }

    /// <summary>N: output features.</summary>
    public int Rows { get; }

    /// <summary>K: input features.</summary>
    public int Columns { get; }

    /// <summary>Columns sharing one scale and zero point (a multiple of 32).</summary>
    public int GroupSize { get; }

    /// <summary>Groups per row (the last one may be short).</summary>
    public int Groups { get; }

    /// <summary>32-column blocks per row (the last one zero-padded).</summary>
    public int BlocksPerRow { get; }

    /// <summary>Tiles of <see cref="TileRows"/> rows.</summary>
    public int TileCount { get; }

    /// <summary>Bytes of one tile's 32-column block: 256 for 4-bit codes, 512 for 8-bit ones.</summary>
    public int BlockBytes { get; }

    /// <summary>
    /// The codes, tile after tile, block after block, in the chunk order the remarks describe. They start on a 64-byte
    /// line, and from 2 MB up on a 2 MB page advised for huge pages (<see cref="HugePageArray"/>): every token streams them.
    /// </summary>
    public Span<byte> Codes => _codeStorage.AsSpan(_codeStart, _codeBytes);

    /// <summary>Scales [tile, group, 16 rows], f16.</summary>
    public Half[] Scales { get; }

    /// <summary>
    /// Zero points [tile, group, 16 rows], one unsigned byte each; empty when every group has the same zero point
    /// (<see cref="SharedZero"/>), as in symmetric formats (int8 z = 128, ggml-style int4 z = 8).
    /// </summary>
    public byte[] Zeros { get; }

    /// <summary>The zero point of every group when they are all equal (then <see cref="Zeros"/> is empty), else −1.</summary>
    public int SharedZero { get; }

    /// <summary>Bytes held: codes, f16 scales and byte zero points (none when they are shared).</summary>
    public long ByteCount => _codeBytes + 2L * Scales.LongLength + Zeros.LongLength;

    /// <summary>Reorders <paramref name="matrix"/> into tiles (the matrix itself is left as it is).</summary>
    public static unsafe QuantizedTiles From(QuantizedMatrix matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        // A symmetric format's zero points are one value: keep it once, so decode does not stream a byte per group
        // (int4 in groups of 32: 3 % of the bytes).
        int sharedZero = matrix.Zeros.Length > 0 && Array.TrueForAll(matrix.Zeros, z => z == matrix.Zeros[0]) ? matrix.Zeros[0] : -1;
        var tiles = new QuantizedTiles(matrix.Bits, matrix.Rows, matrix.Columns, matrix.GroupSize, matrix.Groups, matrix.BlocksPerRow, sharedZero);
        Parallel.For(0, tiles.TileCount, t =>
        {
            Span<byte> block = stackalloc byte[QuantizedMatrix.Block];
            fixed (byte* codes = matrix.Codes)
            for (int lane = 0, row = t * TileRows; lane < TileRows; lane++, row++)
            {
                // Every byte is written (the array is not cleared first): padding rows get zero codes; padding
                // columns are zero codes in both layouts.
                for (int b = 0; b < matrix.BlocksPerRow; b++)
                {
                    if (row < matrix.Rows)
                    {
                        PackedBlock.Codes(codes + (long)row * matrix.RowBytes, b, matrix.Bits == 4, out Vector128<byte> first, out Vector128<byte> second);
                        first.CopyTo(block);
                        second.CopyTo(block[16..]);
                    }
                    else block.Clear();
                    Span<byte> to = tiles.Codes[(int)(((long)t * tiles.BlocksPerRow + b) * tiles.BlockBytes)..];
                    for (int c = 0; c < tiles.BlockBytes / ChunkBytes; c++)
                        for (int j = 0; j < 4; j++)
                            to[c * ChunkBytes + lane * 4 + j] = tiles.Bits == 8 ? block[4 * c + j] : (byte)(block[8 * c + j] | (block[8 * c + 4 + j] << 4));
                }
                if (row >= matrix.Rows) continue; // padding rows keep zero scales and zero points
                for (int g = 0; g < matrix.Groups; g++)
                {
                    long to = tiles.GroupOffset(row, g), from = (long)row * matrix.Groups + g;
                    tiles.Scales[to] = matrix.Scales[from];
                    if (sharedZero < 0) tiles.Zeros[to] = matrix.Zeros[from];
                }
            }
        });
        tiles.SimpleScales = Array.TrueForAll(tiles.Scales, h => (BitConverter.HalfToUInt16Bits(h) & 0x7FFF) is 0 or (>= 0x0400 and < 0x7C00));
        return tiles;
    }

    /// <summary>
    /// True when every scale is ±0 or a normal f16 (all that AWQ and the quantizers write in practice): the kernels
    /// then widen scales with a shift, an add and the sign instead of <see cref="HalfScales"/>' general case.
    /// </summary>
    public bool SimpleScales { get; private set; }

    /// <summary>Where column <paramref name="column"/> of row <paramref name="row"/> sits in <see cref="Codes"/>.</summary>
    public long CodeOffset(int row, int column)
    {
        int tile = row / TileRows, lane = row % TileRows, block = column / QuantizedMatrix.Block, j = column % QuantizedMatrix.Block;
        long blockStart = ((long)tile * BlocksPerRow + block) * BlockBytes;
        return Bits == 8
            ? blockStart + j / 4 * ChunkBytes + lane * 4 + j % 4
            : blockStart + j / 8 * ChunkBytes + lane * 4 + j % 4;
    }

    /// <summary>Where (row, group)'s scale and zero point sit in <see cref="Scales"/> and <see cref="Zeros"/>.</summary>
    public long GroupOffset(int row, int group) => ((long)(row / TileRows) * Groups + group) * TileRows + row % TileRows;

    /// <summary>True when a 4-bit code of this column is its byte's high nibble.</summary>
    private static bool IsHighNibble(int column) => column % 8 >= 4;

    /// <summary>The code of (row, column).</summary>
    public int Code(int row, int column)
    {
        byte at = _codeStorage[_codeStart + CodeOffset(row, column)];
        return Bits == 8 ? at : IsHighNibble(column) ? at >> 4 : at & 0x0F;
    }

    /// <summary>The f32 scale of (row, group).</summary>
    public float Scale(int row, int group) => (float)Scales[GroupOffset(row, group)];

    /// <summary>The zero point of (row, group).</summary>
    public int Zero(int row, int group) => SharedZero >= 0 ? SharedZero : Zeros[GroupOffset(row, group)];

    /// <summary>w(row, column) = (q − z)·s, the value <see cref="QuantizedMatrix.Dequantize"/> gives for the same weight.</summary>
    public float Dequantize(int row, int column)
    {
        int g = column / GroupSize;
        return (Code(row, column) - Zero(row, g)) * Scale(row, g);
    }

    /// <summary>Row <paramref name="row"/> dequantized into <paramref name="destination"/> (<see cref="Columns"/> values).</summary>
    public void DequantizeRow(int row, Span<float> destination)
    {
        for (int c = 0; c < Columns; c++) destination[c] = Dequantize(row, c);
    }
}
