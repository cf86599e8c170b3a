// PruneVid.NET — kernels: token embedding lookup.
using PruneVid.Compute;

namespace PruneVid.Kernels;

/// <summary>Token embedding lookup from a bf16 (or f32) table into f32 rows.</summary>
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
}
