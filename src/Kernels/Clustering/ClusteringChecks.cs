// PruneVid.NET — clustering kernels.
namespace PruneVid.Kernels.Clustering;

/// <summary>Argument checks shared by the clustering references (one clear message per bad input).</summary>
internal static class ClusteringChecks
{
    public static void Matrix<T>(ReadOnlySpan<T> data, int rows, int columns, string name)
    {
        if (rows < 0 || columns < 0) throw new ArgumentOutOfRangeException(name, $"{name}: negative shape [{rows}, {columns}]");
        if (data.Length < (long)rows * columns)
            throw new ArgumentException($"{name} holds {data.Length} values, expected [{rows}, {columns}] = {(long)rows * columns}", name);
    }

    public static void Matrix<T>(Span<T> data, int rows, int columns, string name) => Matrix((ReadOnlySpan<T>)data, rows, columns, name);
}
