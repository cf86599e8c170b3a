// PruneVid.NET — kernels: elementwise add (residual connections).
using ILGPU;
using PruneVid.Kernels.Dsl;
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

    /// <summary>One thread per element: y[i] = a[i] + b[i]. y may alias a or b (each element is read before it is written).</summary>
    [Kernel(Reference = nameof(Reference))]
    public static void ElementwiseKernel(Index1D i, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y) => y[i] = a[i] + b[i];
}
