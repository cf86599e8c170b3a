// PruneVid.NET — kernels: row gather/scatter (window reordering, placeholder scatter).
using ILGPU;
using PruneVid.Kernels.Dsl;

namespace PruneVid.Kernels;

/// <summary>
/// Row gather and scatter: dst[i] = src[idx[i]] and dst[idx[i]] = src[i], for rows of any element type.
/// The kernels move raw words (32-bit for F32/I32 rows, 16-bit for BF16 rows), one thread per word.
/// A kernel cannot throw, so indices are not checked on the device: gather clamps an out-of-range index into the
/// source (a wrong row rather than a fault), scatter skips it. Callers that cannot guarantee valid indices check
/// them on the host, where the references throw.
/// </summary>
public static partial class Rows
{
    /// <summary>The plain C# gather reference.</summary>
    public static void GatherReference<T>(ReadOnlySpan<T> source, ReadOnlySpan<int> indices, Span<T> destination, int rowLength)
    {
        int sourceRows = rowLength == 0 ? 0 : source.Length / rowLength;
        if (destination.Length < (long)indices.Length * rowLength) throw new ArgumentException("gather: destination too small");
        for (int i = 0; i < indices.Length; i++)
        {
            int r = indices[i];
            if ((uint)r >= (uint)sourceRows) throw new ArgumentOutOfRangeException(nameof(indices), $"gather: index {r} at {i} is outside 0..{sourceRows - 1}");
            source.Slice(r * rowLength, rowLength).CopyTo(destination.Slice(i * rowLength, rowLength));
        }
    }

    /// <summary>The plain C# scatter reference.</summary>
    public static void ScatterReference<T>(ReadOnlySpan<T> source, ReadOnlySpan<int> indices, Span<T> destination, int rowLength)
    {
        int destinationRows = rowLength == 0 ? 0 : destination.Length / rowLength;
        if (source.Length < (long)indices.Length * rowLength) throw new ArgumentException("scatter: source too small");
        for (int i = 0; i < indices.Length; i++)
        {
            int r = indices[i];
            if ((uint)r >= (uint)destinationRows) throw new ArgumentOutOfRangeException(nameof(indices), $"scatter: index {r} at {i} is outside 0..{destinationRows - 1}");
            source.Slice(i * rowLength, rowLength).CopyTo(destination.Slice(r * rowLength, rowLength));
        }
    }

    /// <summary>Gather of 32-bit words; extent: indices · rowWords.</summary>
    [Kernel(Reference = nameof(GatherReference))]
    public static void Gather32Kernel(Index1D index, ArrayView<int> source, ArrayView<int> indices, ArrayView<int> destination, int rowWords)
    {
        long i = index / rowWords;
        int c = (int)(index - i * rowWords);
        destination[index] = source[ClampRow(indices[i], source.Length / rowWords) * rowWords + c];
    }

    /// <summary>Gather of 16-bit words (BF16 rows); extent: indices · rowWords.</summary>
    [Kernel(Reference = nameof(GatherReference))]
    public static void Gather16Kernel(Index1D index, ArrayView<ushort> source, ArrayView<int> indices, ArrayView<ushort> destination, int rowWords)
    {
        long i = index / rowWords;
        int c = (int)(index - i * rowWords);
        destination[index] = source[ClampRow(indices[i], source.Length / rowWords) * rowWords + c];
    }

    /// <summary>Scatter of 32-bit words; extent: indices · rowWords. Out-of-range indices are skipped.</summary>
    [Kernel(Reference = nameof(ScatterReference))]
    public static void Scatter32Kernel(Index1D index, ArrayView<int> source, ArrayView<int> indices, ArrayView<int> destination, int rowWords)
    {
        long i = index / rowWords;
        int c = (int)(index - i * rowWords);
        int r = indices[i];
        if (r >= 0 && (long)r * rowWords < destination.Length) destination[(long)r * rowWords + c] = source[index];
    }

    /// <summary>Scatter of 16-bit words (BF16 rows); extent: indices · rowWords. Out-of-range indices are skipped.</summary>
    [Kernel(Reference = nameof(ScatterReference))]
    public static void Scatter16Kernel(Index1D index, ArrayView<ushort> source, ArrayView<int> indices, ArrayView<ushort> destination, int rowWords)
    {
        long i = index / rowWords;
        int c = (int)(index - i * rowWords);
        int r = indices[i];
        if (r >= 0 && (long)r * rowWords < destination.Length) destination[(long)r * rowWords + c] = source[index];
    }

    /// <summary>Kernel-safe clamp of a row index into [0, rows) (rows ≥ 1).</summary>
    internal static long ClampRow(int row, long rows) => row < 0 ? 0 : row >= rows ? rows - 1 : row;
}
