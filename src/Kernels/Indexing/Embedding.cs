// PruneVid.NET — kernels: token embedding lookup.
using ILGPU;
using PruneVid.Compute;
using PruneVid.Kernels.Dsl;

namespace PruneVid.Kernels;

/// <summary>
/// Token embedding lookup from a bf16 (or f32) table into f32 rows. Ids follow the index policy of <see cref="Rows"/>,
/// the same on every backend and in the references: an id outside the vocabulary is clamped into [0, vocab) (it reads
/// the first or last row). The model checks the ids it is given on the host before uploading them.
/// </summary>
public static partial class Embedding
{
    /// <summary>The plain C# reference for a bf16 table [vocab, width] (ids clamped).</summary>
    public static void Reference(ReadOnlySpan<ushort> table, ReadOnlySpan<int> ids, Span<float> y, int width)
    {
        long vocab = table.Length / width;
        for (int i = 0; i < ids.Length; i++)
        {
            int id = (int)Rows.ClampRow(ids[i], vocab);
            Bf16.ToSingle(table.Slice(id * width, width), y.Slice(i * width, width));
        }
    }

    /// <summary>The plain C# reference for an f32 table [vocab, width] (ids clamped).</summary>
    public static void Reference(ReadOnlySpan<float> table, ReadOnlySpan<int> ids, Span<float> y, int width)
    {
        long vocab = table.Length / width;
        for (int i = 0; i < ids.Length; i++)
        {
            int id = (int)Rows.ClampRow(ids[i], vocab);
            table.Slice(id * width, width).CopyTo(y.Slice(i * width, width));
        }
    }

    /// <summary>One thread per output element: y[i, c] = f32(table[clamp(ids[i]), c]) from a bf16 table; extent: ids · width.</summary>
    [Kernel(Reference = nameof(Reference))]
    public static void Bf16Kernel(Index1D index, ArrayView<ushort> table, ArrayView<int> ids, ArrayView<float> y, int width)
    {
        long i = index / width;
        int c = (int)(index - i * width);
        long row = Rows.ClampRow(ids[i], table.Length / width);
        y[index] = Interop.IntAsFloat((uint)table[row * width + c] << 16);
    }

    /// <summary>One thread per output element from an f32 table; extent: ids · width.</summary>
    [Kernel(Reference = nameof(Reference))]
    public static void F32Kernel(Index1D index, ArrayView<float> table, ArrayView<int> ids, ArrayView<float> y, int width)
    {
        long i = index / width;
        int c = (int)(index - i * width);
        long row = Rows.ClampRow(ids[i], table.Length / width);
        y[index] = table[row * width + c];
    }
}
