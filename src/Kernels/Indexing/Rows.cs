// PruneVid.NET — kernels: row gather/scatter (window reordering, placeholder scatter).
namespace PruneVid.Kernels;

/// <summary>Row gather and scatter: dst[i] = src[idx[i]] and dst[idx[i]] = src[i], for rows of any element type.</summary>
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
}
