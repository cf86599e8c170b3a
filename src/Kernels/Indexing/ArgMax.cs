// PruneVid.NET — kernels: row-wise argmax.
namespace PruneVid.Kernels;

/// <summary>Row-wise argmax (first maximum wins), e.g. greedy decoding over logits.</summary>
public static partial class ArgMax
{
    /// <summary>The plain C# reference.</summary>
    public static void Reference(ReadOnlySpan<float> x, Span<int> result, int rowLength)
    {
        int rows = x.Length / rowLength;
        for (int r = 0; r < rows; r++)
        {
            var row = x.Slice(r * rowLength, rowLength);
            int best = 0;
            for (int j = 1; j < row.Length; j++) if (row[j] > row[best]) best = j;
            result[r] = best;
        }
    }
}
