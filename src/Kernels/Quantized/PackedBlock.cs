// PruneVid.NET — quantized weights: one 32-weight block's codes, as the SIMD kernels read them.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace PruneVid.Kernels.Quantized;

/// <summary>Reads a block of a <see cref="QuantizedMatrix"/> row in the layout its remarks describe.</summary>
internal static unsafe class PackedBlock
{
    /// <summary>
    /// Block <paramref name="b"/>'s codes as two 16-code halves (weights 0–15 and 16–31): a 4-bit block's 16 bytes masked
    /// and shifted (byte j holds weights j and j + 16), an 8-bit block's two 16-byte loads.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Codes(byte* row, int b, bool fourBit, out Vector128<byte> first, out Vector128<byte> second)
    {
        if (fourBit)
        {
            Vector128<byte> pairs = Vector128.Load(row + b * 16);
            first = pairs & Vector128.Create((byte)0x0F);
            second = Vector128.ShiftRightLogical(pairs, 4);
        }
        else
        {
            first = Vector128.Load(row + b * 32);
            second = Vector128.Load(row + b * 32 + 16);
        }
    }
}
