// PruneVid.NET — kernels: row-wise argmax.
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Kernels.Dsl;

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

    /// <summary>
    /// One group per row: each thread scans a strided slice keeping its first maximum, then a shared-memory tree
    /// halves the candidates (larger value wins, the smaller index on ties, so the first maximum survives). Launch
    /// with one group per row; rows with NaN give an unspecified index.
    /// </summary>
    [Kernel(Reference = nameof(Reference), GroupSizeTunable = nameof(threads))]
    public static void GroupRowsKernel(ArrayView<float> x, ArrayView<int> result, int rowLength,
        [Tunable(16, 32, 64, 128, 256)] SpecializedValue<int> threads)
    {
        int t = Group.IdxX, row = Grid.IdxX, n = threads.Value;
        var values = SharedMemory.Allocate<float>(n); // one candidate per thread; n is a compile-time constant
        var indices = SharedMemory.Allocate<int>(n);
        long start = (long)row * rowLength;

        float best = float.NegativeInfinity;
        int bestIndex = int.MaxValue;
        for (int j = t; j < rowLength; j += n)
        {
            float v = x[start + j];
            if (bestIndex == int.MaxValue || v > best) { best = v; bestIndex = j; }
        }
        values[t] = best;
        indices[t] = bestIndex;
        Group.Barrier();

        for (int stride = n / 2; stride > 0; stride /= 2)
        {
            if (t < stride)
            {
                float other = values[t + stride];
                int otherIndex = indices[t + stride];
                float mine = values[t];
                int mineIndex = indices[t];
                if (otherIndex != int.MaxValue && (mineIndex == int.MaxValue || other > mine || (other == mine && otherIndex < mineIndex)))
                {
                    values[t] = other;
                    indices[t] = otherIndex;
                }
            }
            Group.Barrier();
        }
        if (t == 0) result[row] = indices[0] == int.MaxValue ? 0 : indices[0];
    }
}
