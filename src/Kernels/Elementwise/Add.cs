// PruneVid.NET — kernels: elementwise add (residual connections).
using System.Numerics.Tensors;

namespace PruneVid.Kernels;

/// <summary>y = a + b elementwise.</summary>
public static partial class Add
{
    /// <summary>The plain C# reference (y may alias a or b).</summary>
    public static void Reference(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        if (a.Length != b.Length || y.Length < a.Length) throw new ArgumentException($"add: lengths differ ({a.Length}, {b.Length}, {y.Length})");
        TensorPrimitives.Add(a, b, y);
    }
}
