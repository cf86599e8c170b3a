// PruneVid.NET — checkpoint loading.
using System.Numerics.Tensors;
using PruneVid.Compute;

namespace PruneVid.Runtime.Checkpoint;

/// <summary>
/// Converts raw little-endian tensor bytes (behind a pointer, possibly over 2 GiB) into managed arrays.
/// Shared by <see cref="SafeTensorsFile"/> and <see cref="WeightTensor"/>, so both decode identically.
/// </summary>
internal static unsafe class TensorDecoder
{
    /// <summary>One conversion from raw bytes to a managed array.</summary>
    public delegate T Decoder<T>(string name, SafeTensorDType dtype, byte* source, long count);

    // Spans are int-indexed, so long tensors are converted in chunks.
    private const int Chunk = 1 << 24;

    public static float[] ToF32(string name, SafeTensorDType dtype, byte* source, long count)
    {
        var result = new float[CheckedArrayLength(name, count)];
        fixed (float* destination = result)
        {
            for (long start = 0; start < count; start += Chunk)
            {
                int n = (int)Math.Min(Chunk, count - start);
                var dst = new Span<float>(destination + start, n);
                switch (dtype)
                {
                    case SafeTensorDType.F32:
                        new ReadOnlySpan<float>((float*)source + start, n).CopyTo(dst);
                        break;
                    case SafeTensorDType.BF16:
                        Bf16.ToSingle(new ReadOnlySpan<ushort>((ushort*)source + start, n), dst);
                        break;
                    case SafeTensorDType.F16:
                        TensorPrimitives.ConvertToSingle(new ReadOnlySpan<Half>((Half*)source + start, n), dst);
                        break;
                    case SafeTensorDType.F64:
                        TensorPrimitives.ConvertTruncating(new ReadOnlySpan<double>((double*)source + start, n), dst);
                        break;
                    default:
                        throw WrongDType(name, dtype, "F32", "BF16, F16, F32 or F64");
                }
            }
        }
        return result;
    }

    public static ushort[] ToBf16Bits(string name, SafeTensorDType dtype, byte* source, long count)
    {
        var result = new ushort[CheckedArrayLength(name, count)];
        fixed (ushort* destination = result)
        {
            for (long start = 0; start < count; start += Chunk)
            {
                int n = (int)Math.Min(Chunk, count - start);
                var dst = new Span<ushort>(destination + start, n);
                switch (dtype)
                {
                    case SafeTensorDType.BF16:
                        new ReadOnlySpan<ushort>((ushort*)source + start, n).CopyTo(dst);
                        break;
                    case SafeTensorDType.F32:
                        Bf16.FromSingle(new ReadOnlySpan<float>((float*)source + start, n), dst);
                        break;
                    default:
                        throw WrongDType(name, dtype, "BF16", "BF16 or F32 (rounded to nearest even)");
                }
            }
        }
        return result;
    }

    public static long[] ToI64(string name, SafeTensorDType dtype, byte* source, long count)
    {
        var result = new long[CheckedArrayLength(name, count)];
        for (long i = 0; i < count; i++)
        {
            result[i] = dtype switch
            {
                SafeTensorDType.I64 => ((long*)source)[i],
                SafeTensorDType.I32 => ((int*)source)[i],
                _ => throw WrongDType(name, dtype, "I64", "I64 or I32"),
            };
        }
        return result;
    }

    public static int[] ToI32(string name, SafeTensorDType dtype, byte* source, long count)
    {
        var result = new int[CheckedArrayLength(name, count)];
        for (long i = 0; i < count; i++)
        {
            switch (dtype)
            {
                case SafeTensorDType.I32:
                    result[i] = ((int*)source)[i];
                    break;
                case SafeTensorDType.I64:
                    long v = ((long*)source)[i];
                    if (v is < int.MinValue or > int.MaxValue)
                        throw new OverflowException($"tensor '{name}': element {i} = {v} does not fit in an I32");
                    result[i] = (int)v;
                    break;
                default:
                    throw WrongDType(name, dtype, "I32", "I64 or I32");
            }
        }
        return result;
    }

    /// <summary>A read-only byte span over at most <see cref="int.MaxValue"/> bytes.</summary>
    public static ReadOnlySpan<byte> Span(string name, byte* source, long byteLength) => byteLength > int.MaxValue
        ? throw new InvalidOperationException(
            $"tensor '{name}' is {byteLength} bytes, more than a span can address; use its pointer (GetPointer/GetAddress) with a long length")
        : new ReadOnlySpan<byte>(source, (int)byteLength);

    private static int CheckedArrayLength(string name, long count) => count > Array.MaxLength
        ? throw new InvalidOperationException($"tensor '{name}' has {count} elements, more than a managed array holds; use its pointer")
        : (int)count;

    private static InvalidOperationException WrongDType(string name, SafeTensorDType dtype, string target, string accepted) =>
        new($"tensor '{name}' is {dtype}; reading it as {target} accepts {accepted}");
}
