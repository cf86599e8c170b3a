// PruneVid.NET — kernels: token embedding lookup.
using ILGPU;
using PruneVid.Compute;
using PruneVid.Kernels.Dsl;

namespace PruneVid.Kernels;

/// <summary>
/// Token embedding lookup from a bf16 (or f32) table into f32 rows. The references throw on an id outside the
/// vocabulary; the kernels cannot throw and checking would cost a download, so they clamp the id into
/// [0, vocab) — an invalid id reads the first or last row instead of faulting. Ids come from the tokenizer and the
/// sampler, which only produce valid ids.
/// </summary>
public static partial class Embedding
{
    /// <summary>The plain C# reference for a bf16 table [vocab, width].</summary>
    public static void Reference(ReadOnlySpan<ushort> table, ReadOnlySpan<int> ids, Span<float> y, int width)
    {
        long vocab = table.Length / width;
        for (int i = 0; i < ids.Length; i++)
        {
            int id = ids[i];
            if (id < 0 || id >= vocab) throw new ArgumentOutOfRangeException(nameof(ids), $"token id {id} at position {i} is outside the vocabulary (0..{vocab - 1})");
            Bf16.ToSingle(table.Slice(id * width, width), y.Slice(i * width, width));
        }
    }

    /// <summary>The plain C# reference for an f32 table [vocab, width].</summary>
    public static void Reference(ReadOnlySpan<float> table, ReadOnlySpan<int> ids, Span<float> y, int width)
    {
        long vocab = table.Length / width;
        for (int i = 0; i < ids.Length; i++)
        {
            int id = ids[i];
            if (id < 0 || id >= vocab) throw new ArgumentOutOfRangeException(nameof(ids), $"token id {id} at position {i} is outside the vocabulary (0..{vocab - 1})");
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
