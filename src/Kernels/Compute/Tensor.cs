// PruneVid.NET — device layer.
namespace PruneVid.Compute;

/// <summary>
/// A dense, row-major tensor owned by one <see cref="ComputeBackend"/>. The storage is backend specific
/// (a managed array on the Cpu backend, an ILGPU buffer on an accelerator); model code only sees the shape.
/// </summary>
public abstract class Tensor : IDisposable
{
    private protected Tensor(ComputeBackend backend, DType dtype, int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long length = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentOutOfRangeException(nameof(shape), $"negative dimension in shape [{string.Join(",", shape)}]");
            length *= d;
        }
        Backend = backend;
        DType = dtype;
        Shape = (int[])shape.Clone();
        Length = length;
    }

    /// <summary>The backend that owns the storage.</summary>
    public ComputeBackend Backend { get; }

    /// <summary>Element type.</summary>
    public DType DType { get; }

    /// <summary>Dimensions, outermost first.</summary>
    public int[] Shape { get; }

    /// <summary>Number of elements.</summary>
    public long Length { get; }

    /// <summary>Size of the first dimension (1 for a scalar).</summary>
    public int Rows => Shape.Length == 0 ? 1 : Shape[0];

    /// <summary>Elements per row: the product of every dimension but the first.</summary>
    /// <remarks>Defined by the shape, so an empty tensor of shape [0, K] still has rows of K values.</remarks>
    public int RowLength
    {
        get
        {
            long width = 1;
            for (int d = 1; d < Shape.Length; d++) width *= Shape[d];
            return checked((int)width);
        }
    }

    /// <summary>An optional debugging name (e.g. the checkpoint tensor it came from).</summary>
    public string? Name { get; set; }

    /// <inheritdoc />
    public override string ToString() => $"{Name ?? "tensor"} {DType}[{string.Join(",", Shape)}] on {Backend.Name}";

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing) { }
}
