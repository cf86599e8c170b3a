// PruneVid.NET — kernels: row gather/scatter (window reordering, placeholder scatter).
using ILGPU;
using PruneVid.Kernels.Dsl;

namespace PruneVid.Kernels;

/// <summary>
/// Row gather and scatter: dst[i] = src[idx[i]] and dst[idx[i]] = src[i], for rows of any element type.
/// The kernels move raw words (32-bit for F32/I32 rows, 16-bit for BF16 rows), one thread per word.
/// Indices are data, and the index policy is the same on every backend and in the references: an out-of-range
/// index is never an error; gather clamps it into the source (a wrong row rather than a fault) and scatter skips it.
/// A kernel cannot throw, and checking device indices would cost a download per call, so callers whose indices come
/// from outside check them on the host before uploading them (docs/compute-backends.md, "Index policy").
/// </summary>
public static partial class Rows
{
    /// <summary>The plain C# gather reference (an out-of-range index reads the clamped row).</summary>
    public static void GatherReference<T>(ReadOnlySpan<T> source, ReadOnlySpan<int> indices, Span<T> destination, int rowLength)
    {
        int sourceRows = rowLength == 0 ? 0 : source.Length / rowLength;
        if (destination.Length < (long)indices.Length * rowLength) throw new ArgumentException("gather: destination too small");
        for (int i = 0; i < indices.Length; i++)
        {
            int r = (int)ClampRow(indices[i], sourceRows);
            source.Slice(r * rowLength, rowLength).CopyTo(destination.Slice(i * rowLength, rowLength));
        }
    }

    /// <summary>The plain C# scatter reference (a row with an out-of-range index is skipped).</summary>
    public static void ScatterReference<T>(ReadOnlySpan<T> source, ReadOnlySpan<int> indices, Span<T> destination, int rowLength)
    {
        int destinationRows = rowLength == 0 ? 0 : destination.Length / rowLength;
        if (source.Length < (long)indices.Length * rowLength) throw new ArgumentException("scatter: source too small");
        for (int i = 0; i < indices.Length; i++)
        {
            int r = indices[i];
            if ((uint)r >= (uint)destinationRows) continue;
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
