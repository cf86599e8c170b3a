// PruneVid.NET — kernels: multimodal rotary position embedding (Qwen2-VL M-RoPE).
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Kernels.Dsl;

namespace PruneVid.Kernels;

/// <summary>
/// M-RoPE (docs/model.md §4.3): every token has three positions (t, h, w). The headDim/2 rotary frequencies are split
/// into three consecutive chunks by <c>mrope_section</c> (e.g. [16,24,24]); frequency j takes its angle from the
/// stream whose chunk holds j. The rotation itself is rotate-half (pairs d and d + headDim/2), as in
/// <see cref="Rotary"/>. Angles come from host-built tables indexed by position — cos/sin are computed there once in
/// f32-exact form, so no device ever evaluates an approximate cos of a large angle.
/// </summary>
public static partial class MRope
{
    /// <summary>Checks the section split and returns, for each of the headDim/2 frequencies, its stream (0 t, 1 h, 2 w).</summary>
    public static int[] StreamOfFrequency(ReadOnlySpan<int> mropeSection, int headDim)
    {
        if (headDim <= 0 || headDim % 2 != 0) throw new ArgumentException($"mrope: head dim {headDim} must be positive and even");
        if (mropeSection.Length != 3) throw new ArgumentException($"mrope: mrope_section must have 3 entries (t, h, w), got {mropeSection.Length}");
        int half = headDim / 2, sum = 0;
        foreach (int s in mropeSection)
        {
            if (s < 0) throw new ArgumentException($"mrope: negative section in [{string.Join(",", mropeSection.ToArray())}]");
            sum += s;
        }
        if (sum != half) throw new ArgumentException($"mrope: sections [{string.Join(",", mropeSection.ToArray())}] sum to {sum}, head dim {headDim} needs {half}");
        var stream = new int[half];
        for (int j = 0, s = 0, end = mropeSection[0]; j < half; j++)
        {
            while (j >= end) end += mropeSection[++s];
            stream[j] = s;
        }
        return stream;
    }

    /// <summary>
    /// The plain C# reference, in place on x [rows, heads·headDim]. <paramref name="positions"/> is [3, rows]
    /// (t row, then h, then w); the tables are [tableRows, headDim/2] with entry (p, j) = cos/sin(p · inv_freq[j]).
    /// </summary>
    public static void Reference(Span<float> x, int heads, int headDim, ReadOnlySpan<int> positions,
        ReadOnlySpan<float> cosTable, ReadOnlySpan<float> sinTable, ReadOnlySpan<int> mropeSection)
    {
        int[] stream = StreamOfFrequency(mropeSection, headDim);
        int half = headDim / 2, stride = heads * headDim;
        if (heads <= 0 || x.Length % stride != 0) throw new ArgumentException($"mrope: x length {x.Length} is not a multiple of {heads}×{headDim}");
        int rows = x.Length / stride;
        if (positions.Length != 3 * rows) throw new ArgumentException($"mrope: positions must be [3,{rows}], got {positions.Length} values");
        if (cosTable.Length != sinTable.Length || cosTable.Length % half != 0)
            throw new ArgumentException($"mrope: cos/sin tables must both be [positions, {half}]");
        int tableRows = cosTable.Length / half;
        foreach (int p in positions)
            if ((uint)p >= (uint)tableRows) throw new ArgumentOutOfRangeException(nameof(positions), $"mrope: position {p} is outside the rotary table (0..{tableRows - 1})");

        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < half; j++)
            {
                int p = positions[stream[j] * rows + r];
                float c = cosTable[p * half + j], s = sinTable[p * half + j];
                for (int h = 0; h < heads; h++)
                {
                    int i = r * stride + h * headDim + j;
                    float x1 = x[i], x2 = x[i + half];
                    x[i] = x1 * c - x2 * s;
                    x[i + half] = x2 * c + x1 * s;
                }
            }
        }
    }

    /// <summary>
    /// One thread per rotated pair (row, head, frequency j): reads the row's position in j's stream, looks the angle's
    /// cos/sin up in the tables and rotates (x[j], x[j + half]). Positions outside the table are clamped (the host
    /// validates them before upload; a kernel cannot throw).
    /// </summary>
    [Kernel(Reference = nameof(Reference))]
    internal static void PairsKernel(
        Index1D index,
        ArrayView1D<float, Stride1D.Dense> x,
        ArrayView1D<int, Stride1D.Dense> positions,
        ArrayView1D<float, Stride1D.Dense> cosTable,
        ArrayView1D<float, Stride1D.Dense> sinTable,
        int rows,
        int heads,
        int headDim,
        int sectionT,
        int sectionTH)
        => RotatePair(x, positions, cosTable, sinTable, rows, heads, headDim, sectionT, sectionTH, index);

    /// <summary>
    /// <see cref="PairsKernel"/> over a layer's queries and keys in one launch: pairs [0, rows·qHeads·half) rotate q,
    /// the rest rotate k, with the same positions and tables.
    /// </summary>
    [Kernel(Reference = nameof(Reference))]
    internal static void QueryKeyPairsKernel(
        Index1D index,
        ArrayView1D<float, Stride1D.Dense> q,
        ArrayView1D<float, Stride1D.Dense> k,
        ArrayView1D<int, Stride1D.Dense> positions,
        ArrayView1D<float, Stride1D.Dense> cosTable,
        ArrayView1D<float, Stride1D.Dense> sinTable,
        int rows,
        int qHeads,
        int kHeads,
        int headDim,
        int sectionT,
        int sectionTH)
    {
        int queryPairs = rows * qHeads * (headDim / 2);
        if (index < queryPairs) RotatePair(q, positions, cosTable, sinTable, rows, qHeads, headDim, sectionT, sectionTH, index);
        else RotatePair(k, positions, cosTable, sinTable, rows, kHeads, headDim, sectionT, sectionTH, index - queryPairs);
    }

    /// <summary>Rotates pair <paramref name="pair"/> = (row, head, frequency j) of x.</summary>
    private static void RotatePair(ArrayView1D<float, Stride1D.Dense> x, ArrayView1D<int, Stride1D.Dense> positions,
        ArrayView1D<float, Stride1D.Dense> cosTable, ArrayView1D<float, Stride1D.Dense> sinTable,
        int rows, int heads, int headDim, int sectionT, int sectionTH, int pair)
    {
        int half = headDim / 2;
        int j = pair % half, rest = pair / half;
        int h = rest % heads, r = rest / heads;
        int stream = j < sectionT ? 0 : j < sectionTH ? 1 : 2;
        long tableRows = cosTable.Length / half;
        long p = positions[stream * rows + r];
        p = p < 0 ? 0 : p >= tableRows ? tableRows - 1 : p;
        float c = cosTable[p * half + j], s = sinTable[p * half + j];
        long i = ((long)r * heads + h) * headDim + j;
        float x1 = x[i], x2 = x[i + half];
        x[i] = x1 * c - x2 * s;
        x[i + half] = x2 * c + x1 * s;
    }
}
