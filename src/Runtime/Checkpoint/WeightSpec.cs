// PruneVid.NET — checkpoint loading.
namespace PruneVid.Runtime.Checkpoint;

/// <summary>One tensor the model needs: canonical name, stored dtype and shape.</summary>
public sealed record WeightSpec(string Name, SafeTensorDType DType, int[] Shape)
{
    /// <summary>Product of the shape.</summary>
    public long ElementCount => Shape.Aggregate(1L, (n, d) => n * d);

    /// <summary>"name DTYPE [d0,d1,…]" — the line format of the approved manifest.</summary>
    public override string ToString() => $"{Name} {DType} [{string.Join(",", Shape)}]";
}
