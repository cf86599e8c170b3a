// PruneVid.NET — quantized weights: f16 group scales widened to f32, exactly, in vector registers and in kernels.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Interop = ILGPU.Interop;

namespace PruneVid.Kernels.Quantized;

/// <summary>
/// f16 → f32 without F16C (.NET exposes no vcvtph2ps): a normal half's exponent and mantissa move into place with one
/// shift and one add of the exponent bias difference (112 · 2²³); a subnormal half is its 10-bit mantissa times 2⁻²⁴
/// (an exact integer conversion and a power-of-two product, no f32 subnormal on the way, so flush-to-zero hardware
/// gives the same value). Scales are always finite (<see cref="QuantizedMatrix.SetGroup"/> checks), so infinities and
/// NaNs need no case. Every result equals <c>(float)half</c>.
/// </summary>
public static class HalfScales
{
    private const uint ExponentBiasDifference = 112u << 23;
    private const float SubnormalUnit = 1f / 16777216f; // 2⁻²⁴, the f16 subnormal step

    /// <summary>The f32 value of the f16 bit pattern <paramref name="bits"/> (usable in kernels).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSingle(ushort bits)
    {
        uint magnitude = bits & 0x7FFFu;
        float value = (magnitude & 0x7C00u) != 0 ? Interop.IntAsFloat((magnitude << 13) + ExponentBiasDifference) : (int)magnitude * SubnormalUnit;
        return (bits & 0x8000u) != 0 ? -value : value;
    }

    /// <summary>Widens <paramref name="source"/> into the first <c>source.Length</c> values of <paramref name="destination"/>.</summary>
    public static void Widen(ReadOnlySpan<Half> source, Span<float> destination)
    {
        ReadOnlySpan<ushort> bits = MemoryMarshal.Cast<Half, ushort>(source);
        if (destination.Length < bits.Length) throw new ArgumentException($"{destination.Length} floats cannot hold {bits.Length} widened scales", nameof(destination));
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= bits.Length; i += 8)
            {
                Vector128<ushort> eight = Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(bits), (nuint)i);
                Widen8(Vector256.Create(Vector128.WidenLower(eight), Vector128.WidenUpper(eight))).StoreUnsafe(ref MemoryMarshal.GetReference(destination), (nuint)i);
            }
        }
        for (; i < bits.Length; i++) destination[i] = ToSingle(bits[i]);
    }

    /// <summary>destination[g] = −zeros[g] · scales[g] (exact: an 8-bit integer times an f16 value).</summary>
    public static void NegativeProducts(ReadOnlySpan<byte> zeros, ReadOnlySpan<float> scales, Span<float> destination)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= zeros.Length; i += 8)
            {
                Vector128<byte> bytes = Vector128.CreateScalar(MemoryMarshal.Read<ulong>(zeros[i..])).AsByte();
                Vector128<ushort> words = Vector128.WidenLower(bytes);
                Vector256<float> z = Vector256.ConvertToSingle(Vector256.Create(Vector128.WidenLower(words), Vector128.WidenUpper(words)).AsInt32());
                (-(z * Vector256.Create(scales.Slice(i, 8)))).CopyTo(destination[i..]);
            }
        }
        for (; i < zeros.Length; i++) destination[i] = -(zeros[i] * scales[i]);
    }

    /// <summary>
    /// The per-row constants of the kernels in one pass: <paramref name="scales"/>[g] = the f32 value of the f16
    /// <paramref name="bits"/>[g] and <paramref name="negZeroScales"/>[g] = −zeros[g]·scales[g], 16 groups per
    /// AVX-512 step (the GEMV calls this once per weight row, so it must cost little next to the row's codes).
    /// </summary>
    public static unsafe void WidenGroups(ushort* bits, byte* zeros, float* scales, float* negZeroScales, int count)
    {
        int i = 0;
        if (Avx512F.IsSupported)
        {
            for (; i + 16 <= count; i += 16)
            {
                Vector512<float> s = Widen16(Avx512F.ConvertToVector512UInt32(Vector256.Load(bits + i)));
                Vector512<float> z = Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load(zeros + i)));
                s.Store(scales + i);
                (-(z * s)).Store(negZeroScales + i);
            }
        }
        for (; i < count; i++)
        {
            scales[i] = ToSingle(bits[i]);
            negZeroScales[i] = -(zeros[i] * scales[i]);
        }
    }

    /// <summary>The sixteen f16 values at <paramref name="bits"/> as f32, as <see cref="ToSingle"/> (AVX-512F).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector512<float> Widen16(ushort* bits) => Widen16(Avx512F.ConvertToVector512UInt32(Vector256.Load(bits)));

    /// <summary>
    /// <see cref="Widen16(ushort*)"/> for values known to be ±0 or normal: the exponent and mantissa move into place with
    /// one shift and one add, a zero stays zero and the sign moves up (6 instructions instead of about 10).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector512<float> WidenNormal16(ushort* bits)
    {
        Vector512<uint> b = Avx512F.ConvertToVector512UInt32(Vector256.Load(bits));
        Vector512<uint> magnitude = b & Vector512.Create(0x7FFFu);
        Vector512<uint> value = Vector512.AndNot((magnitude << 13) + Vector512.Create(ExponentBiasDifference), Vector512.Equals(magnitude, Vector512<uint>.Zero));
        return (value | ((b & Vector512.Create(0x8000u)) << 16)).AsSingle();
    }

    /// <summary>Sixteen f16 bit patterns (zero-extended to 32 bits) as f32, as <see cref="ToSingle"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Widen16(Vector512<uint> bits)
    {
        Vector512<uint> magnitude = bits & Vector512.Create(0x7FFFu);
        Vector512<float> normal = ((magnitude << 13) + Vector512.Create(ExponentBiasDifference)).AsSingle();
        Vector512<float> subnormal = Vector512.ConvertToSingle(magnitude.AsInt32()) * Vector512.Create(SubnormalUnit);
        Vector512<float> isSubnormal = Vector512.Equals(magnitude & Vector512.Create(0x7C00u), Vector512<uint>.Zero).AsSingle();
        Vector512<float> value = Vector512.ConditionalSelect(isSubnormal, subnormal, normal);
        return (value.AsUInt32() | ((bits & Vector512.Create(0x8000u)) << 16)).AsSingle();
    }

    /// <summary>Eight f16 bit patterns (zero-extended to 32 bits) as f32, as <see cref="ToSingle"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Widen8(Vector256<uint> bits)
    {
        Vector256<uint> magnitude = bits & Vector256.Create(0x7FFFu);
        Vector256<float> normal = ((magnitude << 13) + Vector256.Create(ExponentBiasDifference)).AsSingle();
        Vector256<float> subnormal = Vector256.ConvertToSingle(magnitude.AsInt32()) * Vector256.Create(SubnormalUnit);
        Vector256<float> isSubnormal = Vector256.Equals(magnitude & Vector256.Create(0x7C00u), Vector256<uint>.Zero).AsSingle();
        Vector256<float> value = Vector256.ConditionalSelect(isSubnormal, subnormal, normal);
        return (value.AsUInt32() | ((bits & Vector256.Create(0x8000u)) << 16)).AsSingle();
    }
}
